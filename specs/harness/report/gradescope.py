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

from ..judge.requirements import split_id
from ..judge.verdicts import Verdict
from .tally import Tally


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


def results_for(submission: str, results: Iterable[Verdict], requirements: Mapping[str, Mapping[str, Any]],
                points: tuple[float, float], problem: str = "") -> dict[str, Any]:
    """The results.json of one submission, from the run's verdicts of its targets: a test per verdict,
    and the score from their tally."""
    results = sorted(results, key=lambda r: (r.role, r.rank, split_id(r.requirement)))
    tests: list[dict[str, Any]] = []
    for res in results:
        if res.outcome == "not applicable":
            continue
        text = requirements.get(res.requirement, {}).get("text", "")
        if res.outcome == "blocked":  # not judged: worth nothing either way until its blocker passes
            tests.append({"name": f"{res.requirement} ({res.level}) {res.role}: not judged yet"[:200],
                          "number": res.requirement, "score": 0.0, "max_score": 0.0,
                          "output": res.summary, "visibility": "visible"})
            continue
        worth = points[0] if res.level == "MUST" else points[1]
        passed = res.outcome == "passed"
        if res.outcome == "skipped":
            output = f"not run: {res.message}"
        elif passed:
            output = ""
        else:
            output = _first_lines(res.message)
        tests.append({
            "name": f"{res.requirement} ({res.level}) {res.role}: {text}"[:200],
            "number": res.requirement,
            "score": worth if passed else 0.0,
            "max_score": worth,
            "status": "passed" if passed else "failed",
            "output": output,
            "visibility": "visible",
        })
    score, possible, must_met, musts = scores(Tally.of(results), points)
    summary = f"netconform: {submission}: {score:g}/{possible:g} points; MUST {must_met}/{musts} met"
    if problem:
        summary = f"netconform: {submission}: nothing could be run: {problem}"
    return {"score": score, "output": summary, "tests": tests, "visibility": "visible",
            "stdout_visibility": "hidden"}


def scores(tally: Tally, points: tuple[float, float]) -> tuple[float, float, int, int]:
    """Points scored and possible, MUST requirements met and counted (those worth points), from a tally:
    a passed spec scores its level's points; a failed or skipped one could have; the rest are worth none."""
    worth = dict(zip(("MUST", "SHOULD"), points, strict=True))
    runs = {level: tally.total.get(level, 0) + tally.unrun.get(level, 0) for level in worth}
    score = sum(worth[level] * tally.passed.get(level, 0) for level in worth)
    possible = sum(worth[level] * runs[level] for level in worth)
    counted = bool(worth["MUST"])  # a MUST worth no points is not counted as met or not
    return score, possible, tally.passed.get("MUST", 0) * counted, runs["MUST"] * counted


def write_results(path: str | Path, payload: Mapping[str, Any], points: tuple[float, float]) -> list[Path]:
    """Write results.json for each submission in ``payload``; the files written."""
    written = []
    subs = payload.get("submissions") or [{"name": "submission", "problem": ""}]  # --impl: one submission
    for sub in subs:
        mine = [v for v in map(Verdict.from_json, payload["results"]) if v.submission in (sub["name"], "")]
        data = results_for(sub["name"], mine, payload["requirements"], points, sub.get("problem", ""))
        out = Path(path) if wants_one_file(str(path)) else Path(path) / sub["name"] / "results.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=2), encoding="utf-8")
        written.append(out)
    return written
