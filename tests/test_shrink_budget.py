"""The shrink budget: a failing property spec gets a bounded time to shrink, and nothing else starts it."""

from __future__ import annotations

import time

import pytest


@pytest.mark.parametrize("budget", [0.02, 0.0], ids=["budget", "rerun-after-the-budget"])
def test_a_failing_example_leaves_a_bounded_time_to_shrink(budget: float) -> None:
    """After the first failing example, further examples are rejected once the budget is spent; Hypothesis's
    re-run of the failure runs even when it starts after the budget (as on a loaded machine: a budget of 0
    stands for that), else Hypothesis would report the failure as flaky."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from netconform.specs.harness.judge import shrink_budget

    calls = []

    @settings(database=None, max_examples=50, derandomize=True)
    @given(st.integers(0, 10_000))
    def slowly_fails_above_ten(n: int) -> None:
        calls.append(n)
        time.sleep(0.03)  # each example costs more than the whole budget
        assert n <= 10

    with shrink_budget.budgeted(slowly_fails_above_ten, budget), pytest.raises(AssertionError):
        slowly_fails_above_ten()
    assert shrink_budget.current().seconds is None  # the budget ends with the spec
    after = len(calls) - next(i for i, n in enumerate(calls) if n > 10) - 1
    assert after <= 2, f"{after} examples ran after the first failure (expected: its re-run and the final replay)"


def test_hypothesis_stopping_an_example_is_not_a_failure() -> None:
    """Hypothesis ends an example whose data ran out with ``StopTest`` and handles it: counted as a failure, it
    would start the shrink budget, which then rejects examples of a run that never failed (Hypothesis calls
    that inconsistent data generation)."""
    from hypothesis.errors import StopTest, UnsatisfiedAssumption

    from netconform.specs.harness.judge import shrink_budget

    assert not shrink_budget._counts_as_failure(StopTest(0))
    assert not shrink_budget._counts_as_failure(UnsatisfiedAssumption())
    assert shrink_budget._counts_as_failure(AssertionError())
