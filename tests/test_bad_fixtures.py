"""The specs have teeth, and aim: every known-bad implementation fails exactly what its mistake breaks.

Each file under ``fixtures/bad/<role>/`` names, in its docstring, the requirements its one
mistake breaks (``Breaks:``) or the startup failure it causes (``Startup:``), the phrase
its first failure must contain (``Hint:``) and the hints its messages give (``Hints:``).
Each fixture runs against **all** specs of its role, several fixtures per pytest process
(one ``--impl`` each), and

- the set of requirements that fail equals its ``Breaks:`` line: no collateral failure;
- the set of requirements not judged (blocked) equals its ``Blocks:`` line: its mistake hides
  no other requirement's evidence;
- the first failure reported (diagnosis order) is one of them, and names the mistake;
- every hint its messages give is one it declares (a hint appears only on its evidence),
  and every hint it declares appears;
- Gradescope's results of its verdicts lose exactly what the README's grading policy says: its
  level's points for each spec failed or not judged (or not run), out of every spec that applies.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from netconform.specs.harness.judge import hints, requirements
from netconform.specs.harness.judge.verdicts import Verdict
from netconform.specs.harness.report import gradescope
from tests.suite import ROOT, BadFixture, SuiteRun, bad_fixtures, run_suite

FIXTURES = bad_fixtures()
PER_RUN = 24  # at most this many fixtures per pytest process: each process costs ~2 s of CPU to start, each worker
# of its -n 2 as much again, so few processes; roles and transports mix in a run (each fixture is its own --impl)
PARALLEL_FROM = 4  # a run of this many fixtures or more uses -n 2 itself (each fixture's specs on one worker)
WORTH = {"MUST": 2, "SHOULD": 1}  # Gradescope's default points (--gradescope-points 2,1)


def _runs() -> list[tuple[str, tuple[BadFixture, ...]]]:
    """The pytest runs, named: fixtures that need other options, or run as written, have runs of their own;
    the others are dealt round-robin (by name, then role) into runs of at most ``PER_RUN``: each run mixes slow
    roles with quick ones, the runs take about as long as each other, and no run has two targets of one name."""
    groups: dict[tuple[tuple[str, ...], bool], list[BadFixture]] = defaultdict(list)
    for fixture in sorted(FIXTURES, key=lambda f: (f.name, f.role)):
        groups[(fixture.options, fixture.as_written)].append(fixture)
    runs = []
    for (options, as_written), group in groups.items():
        count = -(-len(group) // PER_RUN)
        for i in range(count):
            run = tuple(group[i::count])
            label = "=".join(options).lstrip("-") or ("as-written" if as_written else "specs")
            runs.append((f"{label}-{i + 1}of{count}" if count > 1 else label, run))
    return runs


RUNS = [pytest.param(run, marks=[pytest.mark.netjail] if run[0].as_written else [], id=name)
        for name, run in _runs()]


def _failures(run: SuiteRun, fixture: BadFixture) -> list[dict[str, object]]:
    return [r for r in run.for_target(fixture.name, fixture.role) if r["outcome"] == "failed"]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("fixtures", RUNS)
def test_known_bad_fixtures_fail_exactly_what_they_break(fixtures: tuple[BadFixture, ...], tmp_path: Path) -> None:
    """Run against all specs of their role, known-bad fixtures fail exactly their ``Breaks:`` requirements."""
    args = [a for f in fixtures for a in ("--impl", f.impl())]
    if len(fixtures) >= PARALLEL_FROM:  # their specs wait for events more than they compute: two workers
        args += ["-n", "2"]
    run = run_suite([*args, *fixtures[0].options, "--net-timeout", "2"], tmp_path, timeout=550)
    problems = []
    for fixture in fixtures:
        problems += _judge(fixture, run)
    assert not problems, "\n\n".join(problems) + f"\n\n{run.output[-4000:]}"


def _judge(fixture: BadFixture, run: SuiteRun) -> list[str]:
    """What is wrong with ``fixture``'s verdicts in ``run`` (nothing: it fails exactly as declared)."""
    mine = run.for_target(fixture.name, fixture.role)
    failed = _failures(run, fixture)
    name = f"{fixture.role}:{fixture.name}"
    if not mine:
        return [f"{name}: no verdict at all"]
    out = _judge_startup(fixture, mine, failed) if fixture.startup else _judge_breaks(fixture, failed)
    out += _judge_blocks(fixture, mine)
    given = {str(h) for r in failed for h in r["hints"]}  # type: ignore[attr-defined]
    if given - set(fixture.hints):
        out.append(f"{name}: hints given without their evidence: {sorted(given - set(fixture.hints))} "
                   f"(declared: {list(fixture.hints)})")
    if set(fixture.hints) - given:
        out.append(f"{name}: declared hints not given: {sorted(set(fixture.hints) - given)}")
    return out + _judge_points(fixture, mine)


def _judge_blocks(fixture: BadFixture, mine: list[dict[str, object]]) -> list[str]:
    """Exactly the ``Blocks:`` requirements are not judged: the mistake hides no other requirement's evidence."""
    blocked = {str(r["requirement"]) for r in mine if r["outcome"] == "blocked"}
    if blocked == set(fixture.blocks):
        return []
    reasons = {f"  {r['requirement']}: {r['summary']}" for r in mine if r["outcome"] == "blocked"}
    return [f"{fixture.role}:{fixture.name}: not judged {sorted(blocked)}, but its mistake removes the evidence of "
            f"{sorted(fixture.blocks)} (its Blocks: line)\n" + "\n".join(sorted(reasons))]


def test_a_requirement_blocked_beyond_the_declared_ones_is_reported() -> None:
    """Planted: a fixture whose run leaves one more requirement not judged than its ``Blocks:`` line says."""
    fixture = BadFixture(ROOT / "fixtures/bad/logger_server/planted.py", "logger-server", ("LOG-1",), None, None,
                         blocks=("LOG-2",))
    verdicts: list[dict[str, object]] = [{"requirement": "LOG-1", "outcome": "failed", "summary": "no connection line"},
                {"requirement": "LOG-2", "outcome": "blocked", "summary": "not judged: fix LOG-1 first"},
                {"requirement": "LOG-3", "outcome": "blocked", "summary": "not judged: fix LOG-1 first"}]
    problems = _judge_blocks(fixture, verdicts)
    assert len(problems) == 1
    assert "not judged ['LOG-2', 'LOG-3']" in problems[0]
    assert "LOG-3: not judged" in problems[0]
    assert not _judge_blocks(fixture, verdicts[:2])


def _judge_points(fixture: BadFixture, mine: list[dict[str, object]]) -> list[str]:
    """Gradescope's results of the fixture's verdicts lose the points the policy computes: its level's points for
    each failed and each blocked verdict (and each skipped one, if a capability was missing), out of the points
    of every verdict that applies (all but "not applicable")."""
    verdicts = [Verdict.from_json(r) for r in mine]
    data = gradescope.results_for(fixture.name, verdicts, {}, (WORTH["MUST"], WORTH["SHOULD"]))
    possible = sum(WORTH[v.level] for v in verdicts if v.outcome != "not applicable")
    lost = sum(WORTH[v.level] for v in verdicts if v.outcome in ("failed", "blocked", "skipped"))
    got = (possible - data["score"], sum(t["max_score"] for t in data["tests"]))
    if got != (lost, possible) or f" {possible - lost:g}/{possible:g} points;" not in data["output"]:
        return [f"{fixture.role}:{fixture.name}: Gradescope loses {got[0]:g} of {got[1]:g} points, the policy "
                f"{lost} of {possible} ({data['output']})"]
    return []


def _judge_startup(fixture: BadFixture, mine: list[dict[str, object]], failed: list[dict[str, object]]) -> list[str]:
    """A program that cannot start fails every spec, with the startup failure."""
    name = f"{fixture.role}:{fixture.name}"
    wrong = [r["requirement"] for r in mine if r["outcome"] != "failed"]
    first = str(failed[0]["message"]) if failed else ""
    out = [f"{name}: specs {wrong} did not fail at startup"] if wrong else []
    if str(fixture.startup).lower() not in first.lower():
        out.append(f"{name}: the startup failure lacks {fixture.startup!r}:\n{first}")
    return out


def _judge_breaks(fixture: BadFixture, failed: list[dict[str, object]]) -> list[str]:
    """Exactly the ``Breaks:`` requirements fail, and the first failure is one of them and names the mistake."""
    name = f"{fixture.role}:{fixture.name}"
    got = {str(r["requirement"]) for r in failed}
    out = []
    if got != set(fixture.breaks):
        detail = "\n".join(f"  {r['requirement']}: {r['summary']}" for r in failed)
        out.append(f"{name}: failed {sorted(got)}, but its mistake breaks {sorted(fixture.breaks)}\n{detail}")
    if failed:
        first = failed[0]  # the JSON lists each target's verdicts root cause first: what a student reads first
        if first["rank"] != min(int(str(r["rank"])) for r in failed):
            out.append(f"{name}: the first failure reported, {first['requirement']}, is not the most basic")
        if first["requirement"] not in fixture.breaks:
            out.append(f"{name}: its first failure is {first['requirement']}, not one of {fixture.breaks}")
        message = str(first["message"])
        if fixture.hint and fixture.hint.lower() not in message.lower():
            out.append(f"{name}: the first failure ({first['requirement']}) lacks {fixture.hint!r}:\n{message}")
        if f"{first['requirement']} (" not in message:
            out.append(f"{name}: the first failure's message does not name {first['requirement']}")
    return out


def test_every_requirement_is_rejected_by_some_bad_fixture() -> None:
    """Each requirement in SPEC.md is broken by at least one known-bad implementation."""
    covered = {req for f in FIXTURES for req in f.breaks}
    missing = [r for r in requirements.registry() if r not in covered]
    assert not missing, f"no fixture under fixtures/bad/ breaks: {missing}"


def test_every_hint_is_given_by_some_bad_fixture() -> None:
    """Each hint of ``hints.HINTS`` is declared by a fixture (whose run proves it is given on its evidence)."""
    declared = {h for f in FIXTURES for h in f.hints}
    names = [h.name for h in hints.HINTS] + list(hints.QUOTING_HINTS) + list(hints.TRANSPORT_HINTS)
    assert not set(declared) - set(names), f"fixtures declare unknown hints: {set(declared) - set(names)}"
    missing = [h for h in names if h not in declared]
    assert not missing, f"no fixture under fixtures/bad/ shows the hints {missing}"


def test_every_requirement_has_a_spec() -> None:
    """Each requirement in SPEC.md is checked by at least one spec that cites it."""
    cited = set()
    for path in (ROOT / "specs").glob("test_*.py"):
        cited |= set(re.findall(r'@pytest\.mark\.req\("([A-Z]+-\d+)"\)', path.read_text()))
    missing = [r for r in requirements.registry() if r not in cited]
    assert not missing, f"requirements with no spec: {missing}"
    unknown = cited - set(requirements.registry())
    assert not unknown, f"specs cite requirements missing from SPEC.md: {unknown}"


def test_never_listening_target_fails_all_specs_quickly(tmp_path: Path) -> None:
    """A target that never listens fails every spec, paying the startup timeout once: the first spec
    waits for it, every other one fails at once with the same startup failure (not retried)."""
    never = next(f for f in FIXTURES if f.name == "never_listens")
    run = run_suite(["--impl", never.impl()], tmp_path)
    assert run.results, run.output
    assert all(r["outcome"] == "failed" for r in run.results), run.output
    over_tcp = [r for r in requirements.registry().values()  # a requirement for datagrams alone says so first
                if r.family in ("GREET", "RES") and not r.text.startswith("(`udp`")]
    assert len(run.results) == len(over_tcp)
    assert all("did not start listening" in r["message"] for r in run.results)
    retried = [r["requirement"] for r in run.results[1:] if "happened once and is not retried" not in r["message"]]
    assert not retried, f"the startup was tried again for {retried}"
