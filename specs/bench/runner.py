"""The comparison: every row (a reference model, or a user's program), every scenario, repeated.

Rows come from the reference table (``reference/__init__.py``: every TCP greeting server
and line logger, grouped by model; a model whose capability is missing is left out with
the reason) and from the user's targets. Repeats go round all rows before the next
repeat, so a slow minute of a shared machine does not fall on one model. The result is
a JSON-ready dict (``rows``, each metric's values, min / median / max and ratio to the
baseline, the CPU figures), which ``render`` and ``chart`` draw.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..harness.launch import capabilities
from ..harness.launch.catalogue import CatalogueEntry, reference_targets
from ..harness.launch.settings import Settings
from ..harness.launch.targets import TargetSpec
from . import measure
from .launch import BenchError, running
from .plan import BASELINE, Plan, percentile, ratio, summary

#: The roles measured: the greeting server (connections, latency), the line logger (lines, memory).
ROLES = ("greeting-server", "line-logger-server")


@dataclass
class Row:
    """One row of the comparison: a model's (or a user's) greeting server and line logger."""

    name: str
    origin: str  # "reference" or "user"
    concurrent: bool = True
    targets: dict[str, TargetSpec] = field(default_factory=dict)  # role -> target
    samples: dict[str, list[measure.Sample]] = field(default_factory=dict)  # metric key -> one per repeat
    notes: list[str] = field(default_factory=list)


def reference_rows(catalogue: Iterable[CatalogueEntry], models: Iterable[str] | None = None
                   ) -> tuple[list[Row], list[str]]:
    """A row per reference model of ``catalogue`` (all, or those named in ``models``), and why any was left out."""
    catalogue = tuple(catalogue)
    wanted = set(models) if models else None
    rows: dict[str, Row] = {}
    left_out: list[str] = []
    for spec in reference_targets(catalogue, ROLES):
        if spec.transport != "tcp" or (wanted is not None and spec.model not in wanted):
            continue
        missing = [n for n in spec.needs if not capabilities.available(n)]
        if missing:
            reason = f"{spec.model}: left out, {capabilities.CAPABILITIES[missing[0]].missing}"
            left_out += [] if reason in left_out else [reason]
            continue
        rows.setdefault(spec.model, Row(spec.model, "reference", spec.concurrent)).targets[spec.role] = spec
    if wanted is not None and wanted - set(rows) - {n.split(":")[0] for n in left_out}:
        known = sorted({t.model for t in reference_targets(catalogue, ROLES)})
        raise BenchError(f"no reference model named {', '.join(sorted(wanted - set(rows)))}; models: "
                         f"{', '.join(known)}")
    return list(rows.values()), left_out


def user_rows(specs: Iterable[TargetSpec]) -> tuple[list[Row], list[str]]:
    """A row per name among the user's TCP greeting servers and line loggers (``ROLE:NAME=`` joins two)."""
    rows: dict[str, Row] = {}
    ignored: list[str] = []
    for spec in specs:
        if spec.role not in ROLES or spec.transport != "tcp" or spec.port_policy == "external":
            ignored.append(f"{spec.role_shown}:{spec.name}: not compared (the comparison measures TCP greeting "
                           "servers and line loggers that netconform starts)")
            continue
        rows.setdefault(spec.name, Row(spec.name, "user", spec.concurrent)).targets[spec.role] = spec
    return list(rows.values()), ignored


def raise_fd_limit(wanted: int) -> int:
    """Raise this process's soft open-file limit towards ``wanted`` (servers and workers inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft) if soft != resource.RLIM_INFINITY else wanted


def _measure_row(row: Row, plan: Plan, settings: Settings, notes: list[str]) -> dict[str, measure.Sample]:
    """One repeat of every scenario of ``row``: its greeting server, then its line logger (idle first)."""
    found: dict[str, measure.Sample] = {}
    greeting, logger = row.targets.get("greeting-server"), row.targets.get("line-logger-server")
    if greeting is not None:
        with running(greeting, settings, notes) as server:
            found["greet_seq"] = seq = measure.load(server, "greet", 1, plan.greet_count, plan)
            for clients in plan.concurrency:
                found[f"greet_{clients}"] = measure.load(server, "greet", clients, plan.greet_count, plan)
        for key, fraction in (("p50", 0.5), ("p99", 0.99)):
            value = percentile(seq.latencies, fraction)
            found[key] = measure.Sample(None if value is None else value * 1000, seq.errors)
    if logger is not None:
        with running(logger, settings, notes) as server:
            found["idle_rss"], found["idle_pss"] = measure.idle_memory(server, plan)
        with running(logger, settings, notes) as server:
            for clients in plan.line_clients:
                found[f"lines_{clients}"] = measure.load(server, "lines", clients, plan.line_count, plan)
    return found


def compare(rows: list[Row], plan: Plan, settings: Settings, progress: Callable[[str], None] = print,
            notes: Iterable[str] = ()) -> dict[str, Any]:
    """Measure every row ``plan.repeat`` times; the result as a JSON-ready dict."""
    notes = list(notes)
    need = max(*plan.concurrency, *plan.line_clients, plan.idle_clients) * 2 + 64
    plan, lowered = plan.fit(raise_fd_limit(need))
    notes += lowered
    started, before = datetime.now(timezone.utc), machine()
    for repeat in range(plan.repeat):
        for row in rows:
            t0 = time.monotonic()
            try:
                found = _measure_row(row, plan, settings, notes)
            except BenchError as exc:
                row.notes.append(str(exc).splitlines()[0])
                progress(f"{row.name}: {exc}")
                continue
            for key, sample in found.items():
                row.samples.setdefault(key, []).append(sample)
                if sample.note and sample.note not in row.notes:
                    row.notes.append(sample.note)
                if sample.errors and key not in ("p50", "p99", "idle_pss"):  # (these repeat another's errors)
                    row.notes.append(f"run {repeat + 1}, {key}: {sample.errors} connection(s) failed, were refused or "
                                     f"did not finish within the time bound")
            shown = ", ".join(f"{k} {s.value:,.0f}" for k, s in found.items() if s.value is not None)
            progress(f"[{repeat + 1}/{plan.repeat}] {row.name} ({time.monotonic() - t0:.1f} s): {shown}")
    return {**result(rows, plan, notes, started), "load_average": [before["load_average"],
                                                                     machine()["load_average"]]}


def result(rows: list[Row], plan: Plan, notes: list[str], started: datetime) -> dict[str, Any]:
    """The JSON-ready result: machine, plan, and each row's figures with min / median / max and ratios."""
    by_name = {row.name: row for row in rows}
    out_rows = []
    for row in rows:
        metrics: dict[str, Any] = {}
        for metric in plan.metrics():
            samples = row.samples.get(metric.key, [])
            fig = summary([s.value for s in samples])
            base = by_name.get(BASELINE)
            base_median = summary([s.value for s in base.samples.get(metric.key, [])])["median"] if base else None
            fig.update(ratio=ratio(fig["median"], base_median), errors=[s.errors for s in samples],
                       server_cpu=[round(s.server_cpu, 3) for s in samples],
                       load_cpu=[[round(c, 3) for c in s.load_cpu] for s in samples])
            metrics[metric.key] = fig
        out_rows.append({"name": row.name, "origin": row.origin, "concurrent": row.concurrent,
                         "commands": {role: t.command_line for role, t in row.targets.items()},
                         "metrics": metrics, "notes": row.notes})
    return {"baseline": BASELINE, "started": started.isoformat(timespec="seconds"),
            "seconds": round((datetime.now(timezone.utc) - started).total_seconds(), 1),
            "machine": machine(), "plan": asdict(plan),
            "metrics": [asdict(m) for m in plan.metrics()], "rows": out_rows, "notes": notes}


def machine() -> dict[str, Any]:
    """Where it ran: CPUs, kernel, Python, the open-file limit."""
    return {"cpus": os.cpu_count(), "system": platform.system(), "kernel": platform.release(),
            "python": sys.version.split()[0], "implementation": platform.python_implementation(),
            "fd_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0], "load_average": os.getloadavg()[0]}
