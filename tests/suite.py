"""Running the conformance suite itself in a subprocess, and reading its verdicts.

The proof that specs reject known-bad implementations, that references pass, and that
runs clean up after themselves all go through the real command line, exactly as a
user's run would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netconform.specs.harness.platform import socket_tables

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "fixtures" / "bad"
BOOK = ROOT / "fixtures" / "book"


@dataclass
class SuiteRun:
    """One finished run of the suite: exit code, output and verdicts."""

    returncode: int
    output: str
    results: list[dict[str, Any]]
    run_id: str

    def verdicts(self) -> dict[tuple[str, str], str]:
        """(target, requirement) -> outcome."""
        return {(r["target"], r["requirement"]): r["outcome"] for r in self.results}

    def for_target(self, name: str, role: str | None = None) -> list[dict[str, Any]]:
        """The verdicts of the target ``name`` (of ``role``: two roles may each have a target of one name)."""
        return [r for r in self.results if r["target"] == name and role in (None, r["role"])]


def suite_env(run_id: str) -> dict[str, str]:
    # bytecode written and reused, whatever the caller's PYTHONDONTWRITEBYTECODE: pytest rewrites the asserts of
    # Hypothesis' modules (a pytest11 plug-in's distribution), and without the cache each run redoes it (0.6 s of CPU)
    # (the platform chosen, NETCONFORM_PLATFORM, is the one thing of netconform's that the runs inherit)
    env = {k: v for k, v in os.environ.items() if k == "NETCONFORM_PLATFORM"
           or (not k.startswith(("PYTEST_", "NETCONFORM_")) and k != "PYTHONDONTWRITEBYTECODE")}
    # and without Hypothesis' plug-ins: the one installed here is trio's (the models extra), whose import costs each
    # pytest process, and each of its xdist workers, half a second of CPU; the specs use no Hypothesis plug-in.
    # Hypothesis' storage (its cache of the constants of the modules under test, 0.3 s of CPU to rebuild) is
    # the checkout's, whatever folder a run starts in (a user's run keeps its own)
    env.update(NETCONFORM_RUN=run_id, NETCONFORM_PROFILE="ci", HYPOTHESIS_NO_PLUGINS="1",
               HYPOTHESIS_STORAGE_DIRECTORY=str(ROOT / ".hypothesis"))
    return env


def run_suite(args: list[str], tmp_path: Path, *, timeout: float = 300, own_network: bool = False,
              env: dict[str, str] | None = None) -> SuiteRun:
    """Run ``pytest specs ARGS`` from the project root; return its verdicts.

    ``own_network``: run it in a fresh network namespace with its own loopback (see the
    ``netns`` capability), so fixed ports such as the book's 1234 are not shared with
    other runs, nor with connections of earlier runs still in TIME_WAIT. ``env``: variables
    added to its environment.
    """
    run_id = "test-" + uuid.uuid4().hex[:10]
    out = tmp_path / f"verdicts-{run_id}.json"
    cmd = [sys.executable, "-m", "pytest", "specs", "-q", "-p", "no:randomly",
           "--netconform-json", str(out), *args]
    if own_network:
        cmd = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh", *cmd]
    proc = subprocess.run(cmd, cwd=ROOT, env={**suite_env(run_id), **(env or {})}, capture_output=True, text=True,
                          timeout=timeout, check=False)
    results = json.loads(out.read_text())["results"] if out.exists() else []
    return SuiteRun(proc.returncode, proc.stdout + proc.stderr, results, run_id)


ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class BadFixture:
    """A known-bad implementation and what its docstring says it breaks.

    ``Breaks:`` the requirements its one mistake breaks (exactly the ones that fail);
    ``Blocks:`` the requirements whose evidence that mistake removes (exactly the ones not
    judged; none when the line is absent);
    ``Startup:`` instead, a phrase of the startup failure that fails all its specs;
    ``Hint:`` a phrase its first failure's message contains; ``Hints:`` the names of the
    hints (``hints.HINTS``) its messages give, and no others; ``Options:`` extra
    command-line options it must run with (fixtures with the same options share a run);
    ``Transport:`` the transport it speaks (``unix``, ``udp``, ``unixgram``; TCP by default);
    ``Command: as written``: a URL client run without ``{url}`` (it fetches the URL written in it).
    A field written ``NAME (not root): ...`` replaces ``NAME: ...`` when the suite runs as an ordinary
    user (what only root may do, such as binding a port below 1024, then fails another way).
    """

    path: Path
    role: str
    breaks: tuple[str, ...]
    startup: str | None
    hint: str | None
    hints: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    transport: str = "tcp"
    as_written: bool = False
    blocks: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.path.stem

    def impl(self) -> str:
        """The ``--impl`` value that runs this fixture as its role's programs are run."""
        rel = self.path.relative_to(ROOT)
        args = {"quote-module": None, "greeting-client": "{host} {port}", "fetch-client": "{url}",
                "link-client": "{url}", "download-client": "{url} {output}"}.get(self.role, "{port}")
        if self.as_written:
            args = ""
        if self.transport in ("unix", "unixgram") and args is not None:
            args = "{path}"
        python = sys.executable  # the suite's own Python 3, which has Twisted for fixtures that use it
        role = self.role if self.transport == "tcp" else f"{self.role}/{self.transport}"
        return f"{role}:{self.name}={rel}" if args is None else f"{role}:{self.name}={python} {rel} {args}".rstrip()


def bad_fixtures() -> list[BadFixture]:
    """Every known-bad implementation under ``fixtures/bad/<role>/``."""
    found = []
    for path in sorted(BAD.glob("*/*.py")):
        text = path.read_text()

        def field(name: str, text: str = text) -> re.Match[str] | None:
            """The field's line; run by an ordinary user, its ``NAME (not root):`` form where there is one."""
            unprivileged = None if ROOT_USER else re.search(rf"^{name} \(not root\): (.+)$", text, re.M)
            return unprivileged or re.search(rf"^{name}: (.+)$", text, re.M)

        breaks, startup, hint, hints = field("Breaks"), field("Startup"), field("Hint"), field("Hints")
        options, transport, blocks = field("Options"), field("Transport"), field("Blocks")
        found.append(BadFixture(
            path, path.parent.name.replace("_", "-"),
            tuple(x.strip() for x in breaks.group(1).split(",")) if breaks else (),
            startup.group(1).strip() if startup else None,
            hint.group(1).strip() if hint else None,
            tuple(x.strip() for x in hints.group(1).split(";")) if hints else (),
            tuple(options.group(1).split()) if options else (),
            transport.group(1) if transport else "tcp",
            re.search(r"^Command: as written$", text, re.M) is not None,
            blocks=tuple(x.strip() for x in blocks.group(1).split(",")) if blocks else (),
        ))
    return found


def processes_of_run(run_id: str) -> list[str]:
    """Descriptions of live (or zombie) processes started by the run ``run_id``."""
    import psutil

    left = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if proc.environ().get("NETCONFORM_RUN") == run_id and proc.pid != os.getpid():
                left.append(f"{proc.pid} {proc.info['status']} {' '.join(proc.info['cmdline'] or [])}")
        except (psutil.Error, OSError):
            continue
    return left



def time_wait_on_port(port: int) -> int:
    """How many TCP connections with local port ``port`` are in TIME_WAIT."""
    return sum(1 for p, state in socket_tables.tcp_states() if p == port and state == "TIME_WAIT")
