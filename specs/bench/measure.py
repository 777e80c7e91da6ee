"""One measurement: a running server, one scenario, the load generator's workers started together.

:func:`load` splits the clients and the count over the workers, waits until every worker
is ready, starts them with one signal each, and returns the figure (completed work per
second of the slowest worker), the first-byte latencies, the errors, and how busy the
server and the workers were (CPU seconds per wall second: a server near 1.0 on one core,
or workers near 1.0 each, is where the bottleneck is). :func:`idle_memory` reads the
server's memory before and after it holds idle clients.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field

import psutil

from ..harness.launch.process_group import ProcessGroup
from ..harness.platform import process_stats
from ..harness.wire.captured_output import OutputTimeout
from .launch import BenchError, Server, go, start_worker
from .plan import Plan

#: How long a worker may take to start (interpreter start-up on a busy machine).
WORKER_START = 30.0


@dataclass
class Sample:
    """What one measurement found."""

    value: float | None  # the figure (per second, or KiB per connection); None: nothing completed
    errors: int = 0
    server_cpu: float = 0.0  # CPU seconds per wall second, the server's whole tree
    load_cpu: list[float] = field(default_factory=list)  # the same for each worker
    latencies: list[float] = field(default_factory=list)  # seconds, greeting first bytes
    note: str = ""


def tree_cpu(group: ProcessGroup) -> float:
    """CPU seconds used by the group's processes, plus those of the children its leader reaped."""
    total = process_stats.cpu_seconds(group.tree())
    with contextlib.suppress(psutil.Error):
        times = psutil.Process(group.pid).cpu_times()
        total += times.children_user + times.children_system
    return total


def tree_memory(group: ProcessGroup) -> process_stats.Memory:
    """RSS and PSS in bytes, summed over the group's live processes (PSS: shared pages divided; None
    where the platform does not say)."""
    return process_stats.memory(group.tree())


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (i < total % parts) for i in range(parts)]


def _workers(server: Server, scenario: str, clients: int, count: int, plan: Plan) -> list[ProcessGroup]:
    """Workers for ``scenario`` (their share of ``clients`` and ``count`` each), all ready."""
    n = max(1, min(plan.workers, clients))
    workers: list[ProcessGroup] = []
    try:
        for part, share in zip(_split(clients, n), _split(count, n), strict=True):
            job = {"scenario": scenario, "host": server.address[0], "port": server.address[1], "clients": part,
                   "count": share, "seconds": plan.seconds, "timeout": plan.timeout}
            workers.append(start_worker(json.dumps(job)))
        for worker in workers:
            worker.output.wait_for(lambda line: line.text == "ready", what="the load worker's 'ready'",
                                   timeout=WORKER_START)
    except (OutputTimeout, OSError) as exc:
        for worker in workers:
            worker.stop()
        raise BenchError(f"a load generator worker did not start: {exc}") from None
    return workers


def _result(worker: ProcessGroup, mark: int, timeout: float) -> dict[str, object]:
    line = worker.output.wait_for(lambda ln: ln.text.startswith("{"), what="the load worker's result", since=mark,
                                  timeout=timeout)
    record: dict[str, object] = json.loads(line.text)
    return record


def load(server: Server, scenario: str, clients: int, count: int, plan: Plan) -> Sample:
    """Run ``scenario`` (``greet`` or ``lines``) with ``clients`` clients against ``server``."""
    workers = _workers(server, scenario, clients, count, plan)
    try:
        marks = [w.output.mark() for w in workers]
        cpu0, t0 = tree_cpu(server.group), time.monotonic()
        go(workers)
        wait = plan.seconds + plan.timeout + WORKER_START
        results = [_result(w, m, wait) for w, m in zip(workers, marks, strict=True)]
        wall = time.monotonic() - t0
        cpu1 = tree_cpu(server.group)
    except OutputTimeout as exc:
        raise BenchError(f"a load generator worker gave no result: {exc}") from None
    finally:
        for worker in workers:
            worker.stop()
    done = sum(int(str(r.get("done", 0))) for r in results)
    errors = sum(int(str(r.get("errors", 0))) for r in results)
    elapsed = max(float(str(r.get("elapsed", 0.0))) for r in results)
    latencies = [float(x) for r in results for x in r.get("latencies", []) or []]  # type: ignore[attr-defined]
    sample = Sample(done / elapsed if done and elapsed > 0 else None, errors,
                    (cpu1 - cpu0) / (elapsed or wall), [float(str(r.get("cpu", 0.0))) / (elapsed or wall)
                                                        for r in results], latencies)
    if not server.group.alive:
        sample.note = f"the server exited (status {server.group.returncode}) {server.group.killed_because or ''}"
    return sample


def idle_memory(server: Server, plan: Plan) -> tuple[Sample, Sample]:
    """RSS and PSS growth per idle connection: ``plan.idle_clients`` clients connected, sending nothing."""
    before = tree_memory(server.group)
    lines0 = server.output.count
    workers = _workers(server, "idle", plan.idle_clients, plan.idle_clients, plan)
    try:
        marks = [w.output.mark() for w in workers]
        go(workers)
        connected = sum(int(str(_result(w, m, plan.timeout + WORKER_START)["connected"]))
                        for w, m in zip(workers, marks, strict=True))
        accepted = _wait_accepted(server, lines0, connected, plan.timeout)  # (serial: quiet after one)
        after = tree_memory(server.group)
        go(workers)  # close the clients
        for worker in workers:
            worker.wait_exit(plan.timeout)
    except OutputTimeout as exc:
        raise BenchError(f"an idle-load worker gave no result: {exc}") from None
    finally:
        for worker in workers:
            worker.stop()
    if not connected:
        return Sample(None, plan.idle_clients, note="no client connected"), Sample(None, plan.idle_clients)
    note = "" if accepted >= connected else f"{accepted} of {connected} clients accepted (the rest wait in the " \
        "kernel's accept queue)"
    errors = plan.idle_clients - connected
    pss = None if after.pss is None or before.pss is None else (after.pss - before.pss) / 1024 / connected
    return (Sample((after.rss - before.rss) / 1024 / connected, errors, note=note),
            Sample(pss, errors, note=note if pss is not None else "the platform does not report PSS"))


def _wait_accepted(server: Server, lines0: int, connected: int, timeout: float) -> int:
    """Wait until the server has logged a connection line for each client, or logs no more for 3 s."""
    server.output.wait_lines(lines0 + connected, timeout, quiet=3.0)
    quiet = time.monotonic() + 1.0  # let it finish what it does for the last client (a thread, a fork)
    while time.monotonic() < quiet and process_stats.busy(server.group.tree()):
        time.sleep(0.01)
    return server.output.count - lines0
