"""The specs have teeth: every known-bad implementation is rejected by the requirement it breaks.

Each file under ``fixtures/bad/<role>/`` names, in its docstring, the requirements it
breaks (``Breaks:``) or the startup failure it causes (``Startup:``), and the phrase
the failure message must contain to point the student at the mistake (``Hint:``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from specs.harness import requirements
from tests.suite import ROOT, BadFixture, bad_fixtures, run_suite

FIXTURES = bad_fixtures()


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f"{f.role}:{f.name}")
def test_known_bad_fixture_is_rejected(fixture: BadFixture, tmp_path: Path) -> None:
    """The requirements a known-bad implementation breaks fail, with the hint its mistake deserves."""
    wanted = fixture.breaks or ("GREET-1",)
    run = run_suite(["--impl", fixture.impl(), "--requirement", ",".join(wanted), "--net-timeout", "2"], tmp_path)
    failures: dict[str, list[str]] = {req: [] for req in wanted}
    for verdict in run.results:
        assert verdict["requirement"] in failures, f"unexpected verdict {verdict['nodeid']}\n{run.output}"
        if verdict["outcome"] == "failed":
            failures[verdict["requirement"]].append(verdict["message"])
    for req in wanted:
        assert failures[req], f"{fixture.name} passed every spec of {req}, which it breaks\n{run.output}"
    message = failures[wanted[0]][0]
    for phrase in filter(None, (fixture.hint, fixture.startup)):
        assert phrase.lower() in message.lower(), f"the {wanted[0]} message lacks {phrase!r}:\n{message}"
    assert f"{wanted[0]} (" in message or fixture.startup, f"the message does not name {wanted[0]}:\n{message}"


def test_every_requirement_is_rejected_by_some_bad_fixture() -> None:
    """Each requirement in SPEC.md is broken by at least one known-bad implementation."""
    covered = {req for f in FIXTURES for req in f.breaks}
    missing = [r for r in requirements.registry() if r not in covered]
    assert not missing, f"no fixture under fixtures/bad/ breaks: {missing}"


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
    """A target that never listens fails every spec, paying the startup timeout once (under 15 s)."""
    never = next(f for f in FIXTURES if f.name == "never_listens")
    start = time.monotonic()
    run = run_suite(["--impl", never.impl()], tmp_path)
    elapsed = time.monotonic() - start
    assert run.results, run.output
    assert all(r["outcome"] == "failed" for r in run.results), run.output
    assert len(run.results) == len([r for r in requirements.registry().values() if r.family in ("GREET", "RES")])
    assert elapsed < 15, f"took {elapsed:.1f}s"
    assert "did not start listening within 10s" in run.results[0]["message"]
