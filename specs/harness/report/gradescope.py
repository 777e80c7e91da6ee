"""Gradescope's ``results.json``: a score per submission from its MUST and SHOULD verdicts.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (top-level
``score``, ``output`` and ``tests``, each test with ``name``, ``number``, ``score``,
``max_score``, ``status`` and ``output``). One test per (role, requirement) that
applies to the submission: a met MUST is worth ``must`` points, a met SHOULD
``should`` points; a requirement that is not applicable is left out, one that could
not run (no Python 2 here, say) scores 0 and says why. A requirement that was not
judged because a more basic one failed first (``blocked``) is listed, worth 0 of 0:
one mistake costs the points of the requirements it breaks, not of those it hides.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def wants_one_file(path: str | None) -> bool:
    """Does ``--gradescope PATH`` name one results file (rather than a directory)?"""
    return bool(path) and str(path).endswith(".json")


def parse_points(value: str) -> tuple[float, float]:
    """``"2,1"``: points per MUST and per SHOULD."""
    try:
        must, should = (float(v) for v in value.split(","))
    except ValueError:
        raise ValueError(f"{value!r}: expected MUST,SHOULD points, e.g. 2,1") from None
    return must, should


def _first_lines(message: str, limit: int = 1500) -> str:
    text = message.strip()
    return text if len(text) <= limit else text[:limit] + "\n... (cut; the HTML report has the whole message)"


def results_for(submission: str, results: Iterable[Mapping[str, Any]], requirements: Mapping[str, Mapping[str, Any]],
                points: tuple[float, float], problem: str = "") -> dict[str, Any]:
    """The results.json of one submission, from the run's verdicts of its targets."""
    tests: list[dict[str, Any]] = []
    for res in sorted(results, key=lambda r: (r["role"], r.get("rank", 0), _order(r["requirement"]))):
        if res["outcome"] == "not applicable":
            continue
        text = requirements.get(res["requirement"], {}).get("text", "")
        if res["outcome"] == "blocked":  # not judged: worth nothing either way until its blocker passes
            tests.append({"name": f"{res['requirement']} ({res['level']}) {res['role']}: not judged yet"[:200],
                          "number": res["requirement"], "score": 0.0, "max_score": 0.0,
                          "output": str(res.get("summary", "")), "visibility": "visible"})
            continue
        worth = points[0] if res["level"] == "MUST" else points[1]
        passed = res["outcome"] == "passed"
        if res["outcome"] == "skipped":
            output = f"not run: {res['message']}"
        elif passed:
            output = ""
        else:
            output = _first_lines(res["message"])
        tests.append({
            "name": f"{res['requirement']} ({res['level']}) {res['role']}: {text}"[:200],
            "number": res["requirement"],
            "score": worth if passed else 0.0,
            "max_score": worth,
            "status": "passed" if passed else "failed",
            "output": output,
            "visibility": "visible",
        })
    score = sum(t["score"] for t in tests)
    possible = sum(t["max_score"] for t in tests)
    must = [t for t in tests if "(MUST)" in t["name"] and t["max_score"]]
    summary = (f"netconform: {submission}: {score:g}/{possible:g} points; MUST "
               f"{sum(t['status'] == 'passed' for t in must)}/{len(must)} met")
    if problem:
        summary = f"netconform: {submission}: nothing could be run: {problem}"
    return {"score": score, "output": summary, "tests": tests, "visibility": "visible",
            "stdout_visibility": "hidden"}


def _order(requirement: str) -> tuple[str, int]:
    family, _, number = requirement.rpartition("-")
    return family, int(number) if number.isdigit() else 0


def write_results(path: str | Path, payload: Mapping[str, Any], points: tuple[float, float]) -> list[Path]:
    """Write results.json for each submission in ``payload``; the files written."""
    written = []
    subs = payload.get("submissions") or [{"name": "submission", "problem": ""}]  # --impl: one submission
    for sub in subs:
        mine = [r for r in payload["results"] if r.get("submission", "") in (sub["name"], "")]
        data = results_for(sub["name"], mine, payload["requirements"], points, sub.get("problem", ""))
        out = Path(path) if wants_one_file(str(path)) else Path(path) / sub["name"] / "results.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=2), encoding="utf-8")
        written.append(out)
    return written
