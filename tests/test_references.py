"""Every reference passes every spec, and a parallel run gives the same verdicts as a serial one."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference import REFERENCES
from tests.suite import run_suite


@pytest.mark.timeout(900)  # two whole runs of the matrix
def test_references_pass_every_spec_serially_and_in_parallel(tmp_path: Path) -> None:
    """The reference matrix is all green, and ``pytest -n 2`` reaches the same verdicts."""
    serial = run_suite([], tmp_path, timeout=800)
    parallel = run_suite(["-n", "2"], tmp_path, timeout=800)
    failed = [r["nodeid"] for r in serial.results
              if r["outcome"] not in ("passed", "not applicable")]
    assert not failed, f"references failed: {failed}\n{serial.output[-3000:]}"
    targets = {(r["role"], r["target"]) for r in serial.results}
    assert targets == {(ref.role, ref.model) for ref in REFERENCES}
    assert parallel.verdicts() == serial.verdicts(), parallel.output[-3000:]
