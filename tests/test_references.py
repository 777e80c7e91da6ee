"""Every reference passes every spec, and a parallel run gives the same verdicts as a serial one.

The full test command (``pytest -n 2`` in the checkout, what CI runs) collects ``specs/``
too: there every reference runs every spec, and any failure fails the run. So this module
does not run the whole matrix again; it checks what that run cannot: that the matrix
covers every reference, and that ``-n 2`` reaches the verdicts a serial run reaches (on
a subset of several roles: the matrix itself already runs with ``-n 2`` in that run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netconform.reference import REFERENCES
from tests.suite import run_suite

#: The select greeting and logger servers (and the line logger's specs whose ids name only the model), the
#: blocking greeting client and the stdlib quoting module: targets of several roles, on both workers; over
#: TCP and Unix datagrams (a transport's targets are grouped by their own names: test_harness checks it).
SUBSET = ["-k", "((select and not selectors and not line-logger) or blocking or stdlib) "
                "and (unixgram or not unix) and not udp"]


@pytest.mark.timeout(600)
def test_parallel_run_reaches_the_serial_verdicts(tmp_path: Path) -> None:
    """``pytest -n 2`` gives the same (target, requirement) verdicts as a serial run, all of them passes."""
    serial = run_suite(SUBSET, tmp_path, timeout=500)
    parallel = run_suite([*SUBSET, "-n", "2"], tmp_path, timeout=500)
    failed = [r["nodeid"] for r in serial.results if r["outcome"] not in ("passed", "not applicable")]
    assert not failed, f"references failed: {failed}\n{serial.output[-3000:]}"
    assert serial.results, serial.output[-3000:]
    assert parallel.verdicts() == serial.verdicts(), parallel.output[-3000:]


def test_the_matrix_covers_every_reference(tmp_path: Path) -> None:
    """Every reference implementation is a target of the specs of its role."""
    run = run_suite(["--collect-only"], tmp_path, timeout=120)
    collected = {line.rsplit("[", 1)[1].rstrip("]") for line in run.output.splitlines() if "[" in line}
    for ref in REFERENCES:
        name = ref.model if ref.transport == "tcp" else f"{ref.model}-{ref.transport}"
        ids = {name, f"{name}-{ref.role.removesuffix('-server')}"}
        assert ids & collected, f"no spec collected for {ref.role} {ref.model} over {ref.transport}"
