"""Gradescope's ``results.json``: a score per submission from its MUST and SHOULD verdicts.

Format: https://gradescope-autograders.readthedocs.io/en/latest/specs/ (top-level
``score``, ``output`` and ``tests``, each test with ``name``, ``number``, ``score``,
``max_score``, ``status`` and ``output``). One test per spec verdict of a (role,
requirement) that applies to the submission.

The policy: every requirement that applies is worth its level's points (``must`` per
MUST, ``should`` per SHOULD) and scores them only when it is met. One that failed, one
not judged yet (``blocked``: a more basic requirement failed first, so what it needs
could not be observed; its test says "not judged yet: fix X first", X its
``blocked_by``) and one that could not run here (``skipped``: no Python 2, say; its
test says "not run: ...") all score 0 of their worth. A requirement that does not
apply to the program (``not applicable``: CONC-* with ``--serial``) is left out.

So the possible total is the same for every submission of a role (what applies to
it, whatever the outcomes), as Gradescope's fixed assignment total is, and one mistake
costs the points of the requirements it breaks *and* of those it hides. Breaking a
requirement can only turn points into 0 (its own, and those of what it hides), never
a 0 into points; fixing the root cause turns each requirement it hid from 0 into
judged (met or not), so it can only raise the score.

Worked example (default points, a logger): 8 MUST and 7 SHOULD specs apply, possible
8 x 2 + 7 x 1 = 23 for every logger. The correct program scores 23/23. A block-buffered
one fails LOG-5 (a MUST: 2 points lost) and hides the other 7 MUST and 7 SHOULD
specs (7 x 2 + 7 x 1 = 21 points lost): it scores 23 - 2 - 21 = 0/23.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Score:
    """A submission's points, from its tally: scored out of possible, and where the rest went."""

    scored: float
    possible: float  # every spec that applies, whatever its outcome
    lost_failed: float  # to specs that failed
    lost_blocked: float  # to specs not judged yet (a more basic requirement failed first)
    lost_unrun: float  # to specs that could not run here (a capability is missing)
    must_met: int  # MUST specs met, out of
    musts: int  # every MUST spec that applies (0 when a MUST is worth no points)


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
        worth = points[0] if res.level == "MUST" else points[1]
        passed = res.outcome == "passed"
        if res.outcome == "blocked":  # worth its points, 0 until judged: it is judged once its blocker passes
            output = f"not judged yet: fix {res.blocked_by or 'the more basic requirement that failed'} first\n" \
                     f"{res.summary}".strip()
        elif res.outcome == "skipped":
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
    score = scores(Tally.of(results), points)
    blockers = dict.fromkeys(r.blocked_by for r in results if r.outcome == "blocked" and r.blocked_by)
    summary = f"netconform: {submission}: {summary_of(score, points, blockers)}"
    if problem:
        summary = f"netconform: {submission}: nothing could be run: {problem}"
    return {"score": score.scored, "output": summary, "tests": tests, "visibility": "visible",
            "stdout_visibility": "hidden"}


def scores(tally: Tally, points: tuple[float, float]) -> Score:
    """Points scored and possible, and lost (to failed, not judged, not run specs), from a tally: every spec
    that applies (passed, failed, blocked or skipped) is worth its level's points; only a passed one scores them."""
    worth = dict(zip(("MUST", "SHOULD"), points, strict=True))
    failed = {level: tally.failed(level) for level in worth}
    applies = {level: tally.total.get(level, 0) + tally.unjudged.get(level, 0) + tally.unrun.get(level, 0)
               for level in worth}

    def value(counts: Mapping[str, int]) -> float:
        return sum(worth[level] * counts.get(level, 0) for level in worth)

    counted = bool(worth["MUST"])  # a MUST worth no points is not counted as met or not
    return Score(value(tally.passed), value(applies), value(failed), value(tally.unjudged), value(tally.unrun),
                 tally.passed.get("MUST", 0) * counted, applies["MUST"] * counted)


def summary_of(score: Score, points: tuple[float, float], blockers: Iterable[str] = ()) -> str:
    """The results' summary line: the score out of every requirement that applies, where the points not scored
    went, and the policy."""
    fix = ", ".join(blockers)
    lost = [f"{score.lost_failed:g} to failed requirements"] * bool(score.lost_failed)
    lost += [f"{score.lost_blocked:g} to requirements not judged yet" + (f" (fix {fix} first)" if fix else "")] \
        * bool(score.lost_blocked)
    lost += [f"{score.lost_unrun:g} to requirements not run here"] * bool(score.lost_unrun)
    return (f"{score.scored:g}/{score.possible:g} points; MUST {score.must_met}/{score.musts} met"
            + ("; points lost: " + ", ".join(lost) if lost else "")
            + f". Every requirement that applies is worth its points ({points[0]:g} per MUST, {points[1]:g} per "
            "SHOULD) and scores them only when met: failed, not judged yet or not run, it scores 0.")


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
