"""What the comparison measures: the scenarios, their counts and time bounds, and the summary figures.

A :class:`Plan` names the client counts and bounds; :meth:`Plan.metrics` lists the figures
of one row (each a :class:`Metric`: its key, its column title, its unit, whether more is
better). Every measured figure is kept per repeat; :func:`summary` gives min, median and
max, and :func:`ratio` the median's ratio to the baseline's.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass
from typing import Any

#: The model every figure is also given as a ratio to: a raw ``selectors`` loop.
BASELINE = "selectors"
#: File descriptors kept free besides the clients (the interpreter's own, pipes, the listener).
FD_MARGIN = 64


@dataclass(frozen=True)
class Metric:
    """One figure of a row: ``key`` in the JSON, ``title`` in the tables (``short`` in the terminal's),
    ``unit``, more is better?, and the role whose server it measures."""

    key: str
    title: str
    unit: str
    short: str
    higher_is_better: bool = True
    role: str = "greeting-server"


@dataclass(frozen=True)
class Plan:
    """The scenarios and their bounds: every load loop stops at its count and at its time."""

    concurrency: tuple[int, ...] = (100, 1000)  # greeting clients in flight (besides sequential)
    line_clients: tuple[int, ...] = (1, 100, 1000)  # line logger clients
    greet_count: int = 5000  # greeting connections per measurement, at most
    line_count: int = 200_000  # lines per measurement, at most (shared among the clients)
    idle_clients: int = 1000  # idle connections held for the memory figure
    seconds: float = 1.0  # new work starts within this time
    timeout: float = 10.0  # then work in flight may take this long (else it counts as an error)
    repeat: int = 3
    workers: int = 2  # load generator processes (at most one per client)

    def metrics(self) -> list[Metric]:
        """The figures of one row, in table order."""
        rows = [Metric("greet_seq", "greeting, sequential", "conn/s", "greet seq/s")]
        rows += [Metric(f"greet_{c}", f"greeting, {c} clients", "conn/s", f"greet {c}/s") for c in self.concurrency]
        rows += [Metric(f"lines_{c}", f"lines, {c} client{'s' * (c != 1)}", "lines/s", f"lines {c}/s",
                        role="line-logger-server") for c in self.line_clients]
        rows += [Metric("p50", "first byte p50", "ms", "p50 ms", higher_is_better=False),
                 Metric("p99", "first byte p99", "ms", "p99 ms", higher_is_better=False),
                 Metric("idle_rss", "RSS per idle conn", "KiB", "RSS KiB/conn", False, "line-logger-server"),
                 Metric("idle_pss", "PSS per idle conn", "KiB", "PSS KiB/conn", False, "line-logger-server")]
        return rows

    def fit(self, fd_limit: int) -> tuple[Plan, list[str]]:
        """This plan with client counts lowered to what ``fd_limit`` open files allow; notes saying so."""
        most = max(1, fd_limit - FD_MARGIN)
        notes = [f"{n} clients lowered to {most}: the open-file limit (ulimit -n) is {fd_limit}"
                 for n in sorted({*self.concurrency, *self.line_clients, self.idle_clients}) if n > most]
        fitted = dataclasses.replace(
            self, concurrency=tuple(sorted({min(c, most) for c in self.concurrency})),
            line_clients=tuple(sorted({min(c, most) for c in self.line_clients})),
            idle_clients=min(self.idle_clients, most))
        return fitted, notes


#: Named plans: ``standard`` for benchmarks/compare_models.py, ``quick`` for the plug-in, ``tiny`` for tests.
PLANS: dict[str, Plan] = {
    "standard": Plan(),
    "quick": Plan(greet_count=2000, line_count=50_000, seconds=0.5, repeat=1),
    "tiny": Plan(concurrency=(4,), line_clients=(1, 4), greet_count=20, line_count=200, idle_clients=4,
                 seconds=0.3, timeout=5.0, repeat=1),
}


def summary(values: list[float | None]) -> dict[str, Any]:
    """min, median and max of the measured ``values`` (None: not measured; all None: all None)."""
    real = sorted(v for v in values if v is not None)
    if not real:
        return {"values": values, "min": None, "median": None, "max": None}
    return {"values": values, "min": real[0], "median": statistics.median(real), "max": real[-1]}


def ratio(value: float | None, baseline: float | None) -> float | None:
    """``value`` / ``baseline`` (None when either is missing or the baseline is not above 0: a memory
    growth within the noise has no meaningful ratio)."""
    if value is None or baseline is None or baseline <= 0 or value < 0:
        return None
    return value / baseline


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``values`` (nearest rank); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]
