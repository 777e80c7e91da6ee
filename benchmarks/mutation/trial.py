"""One mutant judged: its module written into a copy of the checkout, ``pytest specs`` on its targets.

Each worker has a copy of the checkout's files (``git ls-files``) in a folder of its own outside
it, and a one-file package ``netconform`` whose ``__path__`` is that copy, first on ``PYTHONPATH``:
the plug-in, the specs and the references all come from the copy, as ``pip install -e .`` makes
them come from the checkout. A trial writes the mutant into the copy, runs

    python -m pytest specs -x -q -p no:randomly -p mutation.only_targets --only-target ROLE=NAME ...

with ``NETCONFORM_PROFILE=ci`` (Hypothesis derandomized: the same examples every run) and puts the
module back. ``-x``: the first failure kills the mutant. Killed means pytest exited 1 (a spec
failed) or ran out of time; survived means every spec passed (exit 0); anything else (a usage
error, nothing collected) is an error of the campaign, not a verdict.

Every process a trial started is ended: pytest's process group, then any process still carrying
the trial's ``NETCONFORM_RUN`` (the harness's own teardown normally has).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psutil

from .mutants import Mutant

GRACE = 10.0  # seconds pytest has after SIGTERM (its teardown ends the targets) before SIGKILL
_FAILED = re.compile(r"^FAILED (\S+)", re.MULTILINE)
_KILLER = re.compile(r"^killed by target: (\S+)", re.MULTILINE)


@dataclass(frozen=True)
class Verdict:
    """What one trial found."""

    outcome: str  # killed, survived, error
    seconds: float
    by: str = ""  # the first failed spec (its node ID), "timeout", or the error's last line
    target: str = ""  # killed: the target (ROLE=NAME) of the first failed spec


class Workspace:
    """A worker's copy of the checkout, and the environment that makes pytest use it."""

    def __init__(self, checkout: Path, folder: Path) -> None:
        self.checkout = checkout
        self.tree = folder / "tree"
        shim = folder / "shim" / "netconform"
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=checkout, check=True,
                                capture_output=True).stdout.decode().split("\0")
        shutil.rmtree(folder, ignore_errors=True)
        for name in filter(None, listed):
            source = checkout / name
            if source.is_file():
                (self.tree / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, self.tree / name)
        shim.mkdir(parents=True)
        (shim / "__init__.py").write_text(f"__path__ = [{str(self.tree)!r}]\n", encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NETCONFORM_"))}
        self.running: tuple[subprocess.Popen[bytes], str] | None = None  # the trial's pytest and its run ID
        self.env.update(PYTHONPATH=os.pathsep.join([str(shim.parent), str(self.tree / "benchmarks")]),
                        NETCONFORM_PROFILE="ci", HYPOTHESIS_NO_PLUGINS="1", PYTHONDONTWRITEBYTECODE="1")

    def judge(self, mutant: Mutant | None, targets: list[str], timeout: float) -> Verdict:
        """Run the specs of ``targets`` (``ROLE=NAME``) on the copy with ``mutant`` written in (None: as it is)."""
        path = self.tree / mutant.key.module if mutant else None
        original = path.read_text(encoding="utf-8") if path else ""
        if path and mutant:
            path.write_text(mutant.source, encoding="utf-8")
        try:
            return self._run(targets, timeout)
        finally:
            if path:
                path.write_text(original, encoding="utf-8")

    def _run(self, targets: list[str], timeout: float) -> Verdict:
        run_id = "mutation-" + uuid.uuid4().hex[:10]
        command = [sys.executable, "-m", "pytest", "specs", "-x", "-q", "-p", "no:randomly", "-p",
                   "mutation.only_targets", "-o", "addopts=-p no:cacheprovider", "-rf", "--net-timeout", "2",
                   *(f"--only-target={target}" for target in targets)]
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=self.tree, env={**self.env, "NETCONFORM_RUN": run_id},
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.running = (process, run_id)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _end_group(process)
            return Verdict("killed", time.monotonic() - started, "timeout")
        finally:
            self.end()
        seconds = time.monotonic() - started
        text = output.decode("utf-8", "replace")
        if process.returncode == 0:
            return Verdict("survived", seconds)
        if process.returncode == 1:
            failed, killer = _FAILED.search(text), _KILLER.search(text)
            return Verdict("killed", seconds, failed.group(1) if failed else "a spec failed",
                           killer.group(1) if killer else "")
        last = [line for line in text.splitlines() if line.strip()][-1:] or [f"exit status {process.returncode}"]
        return Verdict("error", seconds, f"exit {process.returncode}: {last[0][:200]}")


    def end(self) -> None:
        """End the trial running now, if any: its pytest's process group, then what carries its run ID."""
        if self.running is not None:
            process, run_id = self.running
            _end_group(process)
            _end_run(run_id)
            self.running = None


def _end_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(GRACE)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _end_run(run_id: str) -> None:
    """Kill any process left carrying ``NETCONFORM_RUN=run_id`` (a target the run's teardown missed)."""
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            if proc.environ().get("NETCONFORM_RUN") == run_id:
                proc.kill()
