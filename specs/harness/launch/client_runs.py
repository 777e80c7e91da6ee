"""Client targets: a program the suite runs once per scenario, against a server the suite plays.

Each run gets the placeholders it needs (``{host}``, ``{port}``, ``{url}``, ``{output}``),
its own empty TMPDIR (so temporary files it leaves behind can be seen), its own process
group, and a timeout after which the whole group is killed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..platform import socket_folders
from ..wire.streams import Transcript, describe
from .process_group import ProcessGroup
from .settings import FixedPort, Settings, TestContext
from .targets import TargetSpec, render_argv, target_env


@dataclass
class ClientRun:
    """One finished run of a client target."""

    argv: list[str]
    returncode: int | None  # None: killed at the timeout
    stdout: bytes
    stderr: bytes
    elapsed: float
    leftovers: list[str] = field(default_factory=list)  # files left in its TMPDIR

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def describe_exit(self) -> str:
        if self.returncode is None:
            return f"still running after {self.elapsed:.1f}s (killed)"
        return f"exit status {self.returncode} after {self.elapsed:.2f}s"


class ClientProcess:
    """A client target's runs: one process per scenario, against a server the suite plays."""

    def __init__(self, spec: TargetSpec, settings: Settings, pool: FixedPort) -> None:
        self.spec = spec
        self.settings = settings
        self.pool = pool
        self.context: TestContext | None = None
        self.transcript = Transcript()
        self.events: list[str] = []
        self.last: ClientRun | None = None

    def begin_test(self, context: TestContext) -> None:
        """Called before each spec (for messages)."""
        self.context = context
        self.transcript = Transcript()
        self.last = None

    def run(self, *, host: str = "127.0.0.1", port: int | str | None = None, url: str | None = None,
            output: str | None = None, timeout: float | None = None, path: str | None = None) -> ClientRun:
        """Run the command once with these placeholder values; wait for it (or kill it at ``timeout``).

        Its TMPDIR is inside netconform's private folder: a Unix datagram client that binds a
        path there can be answered (datagrams go to no other path). A URL client without
        ``{url}`` is run as written, against the suite's own web (``observe/url_runs.py``).
        """
        tmpdir = tempfile.mkdtemp(prefix="client-", dir=socket_folders.root())
        argv = render_argv(self.spec, {"host": host, "port": str(port or ""), "url": url or "",
                                       "output": output or "", "path": path or ""})
        extra = {"HOST": host, "TMPDIR": tmpdir, "TEMP": tmpdir, "TMP": tmpdir}
        if port:
            extra["PORT"] = str(port)
        if path:
            extra["SOCKET_PATH"] = path
        env = target_env(self.spec, self.settings.run_id, **extra)
        return self.execute(argv, env, Path(tmpdir), timeout=timeout)

    def execute(self, argv: list[str], env: dict[str, str], tmpdir: Path, *, timeout: float | None = None,
                cwd: str | None = None, shown: list[str] | None = None,
                started: Callable[[ProcessGroup], None] | None = None) -> ClientRun:
        """Run ``argv`` (shown as ``shown``) once, then call ``started``; wait for it (or kill it at ``timeout``).

        What it leaves in ``tmpdir`` (its TMPDIR) is recorded, then ``tmpdir`` is removed.
        """
        self.transcript.add("suite", f"runs {' '.join(shown or argv)}")
        start = time.monotonic()
        group = ProcessGroup(argv, env=env, cwd=cwd or self.spec.cwd, limits=self.settings.limits_for(self.spec))
        try:
            if started is not None:
                started(group)
            code = group.wait_exit(timeout or 4 * self.settings.net_timeout)
        finally:
            group.stop()
        elapsed = time.monotonic() - start
        leftovers = sorted(str(p.relative_to(tmpdir)) for p in tmpdir.rglob("*"))
        shutil.rmtree(tmpdir, ignore_errors=True)
        run = ClientRun(shown or argv, code, group.output.raw("stdout"), group.output.raw("stderr"), elapsed,
                        leftovers)
        self.transcript.add("suite", f"it printed {describe(run.stdout, 160)} and ended: {run.describe_exit()}")
        self.last = run
        return run

    # -- what failure messages read (the same names as ServerProcess's) ----------
    @property
    def exit_code(self) -> int | None:
        return None if self.last is None else self.last.returncode

    @property
    def exited_on_its_own(self) -> int | None:
        return self.exit_code

    def interrupt_text(self) -> str:
        return ""  # a client is never probed with Ctrl-C

    def stderr_text(self, n: int = 30) -> str:
        return "" if self.last is None else "\n".join(
            self.last.stderr.decode("utf-8", "backslashreplace").splitlines()[-n:])

    def stdout_text(self, n: int = 30) -> str:
        return "" if self.last is None else "\n".join(
            self.last.stdout.decode("utf-8", "backslashreplace").splitlines()[-n:])

    def output_tail(self) -> str:
        if self.last is None:
            return "    (not run)"
        lines = [f"    [stdout] {ln}" for ln in self.stdout_text(10).splitlines()]
        lines += [f"    [stderr] {ln}" for ln in self.stderr_text(15).splitlines()]
        return "\n".join(lines) or "    (nothing)"
