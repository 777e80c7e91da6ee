"""The mutation campaign's parts that need no cosmic-ray (``benchmarks/mutation/``): targets, triage, table.

The campaign itself (cosmic-ray, hours on two cores) is not run here. What is checked is what a
reviewer relies on: the targets that judge a module come from the import graph (a planted import
adds its importer's targets); every triage entry reads and says why, and a planted entry without a
reason or of an unknown kind is refused; the table's score is killed / (mutants - equivalent -
outside SPEC), counting a verdict judged with other code as pending, not as a kill.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # benchmarks/ is scripts, not an installed package

from mutation import records, targets  # noqa: E402
from mutation.records import MutantKey, Result, Triage  # noqa: E402

from reference import REFERENCES  # noqa: E402

TRIAGE = ROOT / "benchmarks" / "mutation" / "triage.toml"


def test_every_triage_entry_reads_and_says_why() -> None:
    triage = records.load_triage(TRIAGE)
    assert triage, "benchmarks/mutation/triage.toml explains no survivor"
    assert all(entry.kind in records.KINDS and entry.why.strip() for entry in triage.values())


@pytest.mark.parametrize(("entry", "refusal"), [
    ('equivalent = [{ operator = "NumberReplacer", line = "return 0", why = " " }]', "one-line why"),
    ('harmless = [{ operator = "NumberReplacer", line = "return 0", why = "speed only" }]', "the kinds are"),
])
def test_a_planted_triage_entry_without_a_reason_or_kind_is_refused(tmp_path: Path, entry: str, refusal: str) -> None:
    planted = tmp_path / "triage.toml"
    planted.write_text(f'["reference/_framing.py"]\n{entry}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=refusal):
        records.load_triage(planted)


def test_the_score_leaves_out_equivalent_and_outside_spec_and_counts_stale_verdicts_as_pending() -> None:
    keys = [MutantKey("reference/m.py", "NumberReplacer", f"x = {i}") for i in range(11)]
    outcomes = ["killed"] * 6 + ["survived"] * 4 + ["killed"]
    results = {k: Result(k, outcome, "", 1.0, "today" if i < 10 else "yesterday")
               for i, (k, outcome) in enumerate(zip(keys, outcomes, strict=True))}
    triage = {("reference/m.py", "NumberReplacer", "x = 6", 0): Triage("equivalent", "speed only"),
              ("*", "NumberReplacer", "x = 7", 0): Triage("equivalent", "any module's"),
              ("reference/m.py", "NumberReplacer", "x = 8", 0): Triage("outside_spec", "--help text")}
    (row,) = records.table(keys, results, {"reference/m.py": "today"}, triage)
    assert (row.mutants, row.killed, row.survived, row.equivalent, row.outside_spec, row.gaps, row.pending) == (
        11, 6, 4, 2, 1, 1, 1)
    assert row.score == 6 / 7
    assert "| `reference/m.py` | 11 | 6 | 0 | 4 | 2 | 1 | 1 | 1 | 85.7 % |" in records.markdown([row])


def test_results_survive_a_round_trip_through_the_file(tmp_path: Path) -> None:
    key = MutantKey("reference/m.py", "ReplaceComparisonOperator_Lt_LtE", 'if n < 128: print("é")', 1)
    written = [Result(key, "survived", "", 2.25, "abc"), Result(MutantKey("reference/m.py", "AddNot", "x"), "killed",
                                                                  "specs/test_a.py::test_b[c]", 1.0, "abc", "older")]
    path = tmp_path / "results.json"
    records.save_results(path, written)
    assert sorted(records.load_results(path).values(), key=lambda r: r.key) == sorted(
        [Result(key, "survived", "", 2.2, "abc"), written[1]], key=lambda r: r.key)


def test_an_entry_for_every_operator_of_a_line_covers_each_mutant_of_it_and_no_other() -> None:
    triage = {("*", "*", 'print(f"cannot connect to {where}")', 0): Triage("outside_spec", "a message's wording")}
    same_line = MutantKey("reference/a.py", "ReplaceOrWithAnd", 'print(f"cannot connect to {where}")', 3)
    other_line = MutantKey("reference/a.py", "ReplaceOrWithAnd", "return 1")
    assert records.triaged(triage, same_line) == triage[("*", "*", 'print(f"cannot connect to {where}")', 0)]
    assert records.triaged(triage, other_line) is None


def _options(module: str, root: Path = ROOT) -> tuple[list[str], list[str]]:
    first, again = targets.judging(root, module, targets.all_targets(REFERENCES))
    return [t.option() for t in first], [t.option() for t in again]


def test_a_models_module_is_judged_through_that_models_targets_over_every_transport() -> None:
    assert _options("reference.select.logger_server") == (["logger-server=select", "logger-server=select-unix"], [])
    first, _again = _options("reference.twisted._reactor")  # imported by twisted's servers, not by its client
    assert first == sorted([*(f"{role}=twisted{suffix}" for role in ("greeting-server", "logger-server",
                                                                     "line-logger-server") for suffix in ("", "-unix")),
                            "greeting-server=twisted-udp", "greeting-server=twisted-unixgram"])
    assert _options("reference.quoting") == (["quote-module=handwritten"], [])


def test_a_shared_module_is_judged_through_one_model_per_family_then_its_survivors_through_the_rest() -> None:
    first, again = _options("reference._framing")
    assert {o.split("=")[1].split("-")[0] for o in first} >= set(targets.FAMILIES)
    assert "line-logger-server=poll" in again
    assert "line-logger-server=poll" not in first
    assert not set(first) & set(again)


def test_a_planted_import_adds_the_importers_targets(tmp_path: Path) -> None:
    planted = tmp_path / "reference"
    for path in (ROOT / "reference").rglob("*.py"):
        (planted / path.relative_to(ROOT / "reference")).parent.mkdir(parents=True, exist_ok=True)
        (planted / path.relative_to(ROOT / "reference")).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert "logger-server=select" not in _options("reference.quoting", tmp_path)[0]
    logger = planted / "select" / "logger_server.py"
    logger.write_text(logger.read_text(encoding="utf-8") + "\nfrom ..quoting import quote  # noqa: E402\n",
                      encoding="utf-8")
    assert "logger-server=select" in _options("reference.quoting", tmp_path)[0]



def test_a_kill_kept_through_a_change_of_the_specs_counts_as_killed_and_is_shown_as_kept() -> None:
    keys = [MutantKey("reference/m.py", "NumberReplacer", f"x = {i}") for i in range(3)]
    results = {keys[0]: Result(keys[0], "killed", "", 1.0, "today"),
               keys[1]: Result(keys[1], "killed", "", 1.0, "today", kept_from="yesterday"),
               keys[2]: Result(keys[2], "killed", "", 1.0, "yesterday")}  # not kept: judged with older specs
    [row] = records.table(keys, results, {"reference/m.py": "today"}, {})
    assert (row.killed, row.kept, row.pending) == (2, 1, 1)
    assert "| `reference/m.py` | 3 | 2 | 1 | 0 |" in records.markdown([row])
