"""The mutation campaign's files (``benchmarks/mutation/``): its triage, and the table made from its results.

The campaign itself (cosmic-ray, hours on two cores) is not run here. What is checked is what a
reviewer relies on: every triage entry reads and says why, a planted entry without a reason or of
an unknown kind is refused, and the table's score is killed / (mutants - equivalent - outside SPEC),
counting a verdict judged with other code as pending, not as a kill.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # benchmarks/ is scripts, not an installed package

from mutation import records  # noqa: E402
from mutation.records import MutantKey, Result, Triage  # noqa: E402

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
    assert "| `reference/m.py` | 11 | 6 | 4 | 2 | 1 | 1 | 1 | 85.7 % |" in records.markdown([row])


def test_results_survive_a_round_trip_through_the_file(tmp_path: Path) -> None:
    key = MutantKey("reference/m.py", "ReplaceComparisonOperator_Lt_LtE", 'if n < 128: print("é")', 1)
    written = [Result(key, "survived", "", 2.25, "abc"), Result(MutantKey("reference/m.py", "AddNot", "x"), "killed",
                                                                  "specs/test_a.py::test_b[c]", 1.0, "abc")]
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
