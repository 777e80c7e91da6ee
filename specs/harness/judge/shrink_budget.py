"""How long a property spec may go on once it has failed: a verdict in seconds, not minutes.

A failing Hypothesis spec replays and shrinks its failing example, and against a real
server each example that fails usually waits out a timeout (the greeting that never
comes): shrinking a slow failure for minutes buys a student nothing. So, once a spec's
first example has failed, further examples may start only during ``SHRINK_BUDGET``
seconds (Hypothesis's re-run of the failure, which comes first, always runs, however late a
busy machine starts it); after that each one
is rejected (not run) until Hypothesis gives up and reports the smallest failing
example found so far, which it runs once more, for real.
Fast failures (the framing specs' byte-level ones take milliseconds each) still shrink
all the way. The ``thorough`` profile has no budget.

The budget is per spec run (one pytest item), installed by :func:`budgeted` around the
spec's Hypothesis test. Stateful specs are not shrunk under a budget (:func:`stateful_settings`).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import Phase, reject, settings
from hypothesis.control import current_build_context
from hypothesis.errors import StopTest, UnsatisfiedAssumption

#: Seconds after a spec's first failing example during which further examples may start.
SHRINK_BUDGET = 2.0

F = TypeVar("F", bound=Callable[..., Any])


class Budget:
    """One spec run's budget: when its first example failed, and for how long more may start."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.failed_at: float | None = None
        self._rerun = False  # the example after the first failure is Hypothesis's re-run of it

    def admit(self) -> None:
        """Reject (skip) the coming example if the budget is spent; the re-run of the first failure and the
        final replay always run (rejected, Hypothesis would call the failure flaky)."""
        if self.seconds is None or self.failed_at is None:
            return
        if self._rerun:
            self._rerun = False
            return
        if time.monotonic() - self.failed_at > self.seconds and not current_build_context().is_final:
            reject()

    def failed(self) -> None:
        """An example has just failed."""
        if self.failed_at is None:
            self.failed_at = time.monotonic()
            self._rerun = True


_current: Budget | None = None


def current() -> Budget:
    """The budget of the spec running now (an unlimited one outside a spec run)."""
    return _current if _current is not None else Budget(None)


def _counts_as_failure(exc: BaseException) -> bool:
    """Did the example fail? Not when it was rejected, skipped, or stopped by Hypothesis itself (``StopTest``:
    its data ran out, which it handles; counted, a budget would start and cut short a run that never failed)."""
    return not isinstance(exc, UnsatisfiedAssumption | StopTest | pytest.skip.Exception)


@contextlib.contextmanager
def budgeted(test: Any, seconds: float | None) -> Iterator[None]:
    """Run the spec ``test`` (its function) under a budget: wrap its Hypothesis test, if it has one."""
    global _current  # one spec runs at a time per process
    budget = _current = Budget(seconds)
    handle = getattr(test, "hypothesis", None)
    inner = getattr(handle, "inner_test", None)
    if handle is not None and inner is not None:
        handle.inner_test = _wrap(inner, budget)
    try:
        yield
    finally:
        _current = None
        if handle is not None and inner is not None:
            handle.inner_test = inner


def _wrap(inner: F, budget: Budget) -> F:
    @functools.wraps(inner)
    def run(*args: Any, **kwargs: Any) -> Any:
        budget.admit()
        try:
            return inner(*args, **kwargs)
        except BaseException as exc:
            if _counts_as_failure(exc):
                budget.failed()
            raise

    return run  # type: ignore[return-value]


def stateful_settings() -> settings:
    """Settings for a stateful spec: without the shrink phase while a budget applies.

    A stateful run cannot be rejected half-way (Hypothesis then sees its steps drawn
    differently), so instead of a bounded shrink a failing interleaving is shown as found:
    ``stateful_step_count`` steps at most, each in the transcript.
    """
    base = settings.default or settings()
    if current().seconds is None:
        return base
    return settings(base, phases=tuple(p for p in base.phases if p is not Phase.shrink))


#: Examples drawn for a spec whose every example runs the target program afresh (dev and ci profiles).
PROGRAM_RUNS = 3
#: Set by the plug-in: is the Hypothesis profile one of the quick ones (``dev``, ``ci``)?
bounded = True


def program_runs() -> settings:
    """Settings for a spec whose every example starts the target program (a client run): a few
    drawn examples besides the explicit ones, while a shrink budget applies (``dev``, ``ci``);
    the ``thorough`` profile keeps its own count."""
    base = settings.default or settings()
    return settings(base, max_examples=min(base.max_examples, PROGRAM_RUNS)) if bounded else base
