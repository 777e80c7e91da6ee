"""verdict_times' set-up: the machine and the checkout measured, and whether the venv runs its specs.

:func:`prepare` checks that the venv's pytest imports the measured checkout's ``specs`` (else puts
the checkout first on ``PYTHONPATH``) and gathers the facts the report opens with: commit, venv,
``python3`` and Twisted, CPUs and their speed, platform (the machine's, and netconform's platform layer the
runs use: :func:`platform_measured`), load average. :func:`find_python2` and
:func:`has_netns` tell whether the fixed-port rows can run, and how isolated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import platform
import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from verdict_runs import NETNS_WRAPPER, PLATFORM_CHOICE, Config, SetupError, fresh_folder, shared_netns

#: Run by the venv's Python with the runs' environment: the platform implementation netconform chooses
#: (``-``: the checkout predates ``specs.harness.platform``, so it has one implementation and no choice). The
#: checkout's ``specs`` first (on PYTHONPATH, as prepare() checked), else the installed ``netconform.specs``.
PLATFORM_PROBE = """\
import importlib
for name in ("specs", "netconform.specs"):
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name not in ("specs", "netconform", "netconform.specs"):
            raise
        continue
    try:
        chosen = importlib.import_module(name + ".harness.platform")
    except ModuleNotFoundError as error:
        if error.name not in (name + ".harness", name + ".harness.platform"):
            raise
        print("-")
    else:
        print(chosen.NAME)
    break
else:
    raise SystemExit("neither specs nor netconform.specs imports")
"""


def find_python2() -> str | None:
    """A working Python 2: ``python2`` on PATH, else pyenv's versions (as netconform looks)."""

    def works(path: str) -> bool:
        try:
            probe = subprocess.run(
                [path, "-c", "import sys; print(sys.version_info[0])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return False
        return probe.returncode == 0 and probe.stdout.strip() == "2"

    found = shutil.which("python2")
    if found and works(found):
        return found
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for candidate in sorted(glob.glob(os.path.join(root, "versions", "2*", "bin", "python")), reverse=True):
        if works(candidate):
            return candidate
    return None


def has_netns(*, shared: bool = False) -> bool:
    """Can we run a command in a fresh network namespace with its own loopback? (``shared``: several commands
    in one, one after the other: :func:`verdict_runs.shared_netns`, which also needs ``nsenter``.)"""
    if not (shutil.which("unshare") and shutil.which("ip")) or (shared and not shutil.which("nsenter")):
        return False
    try:
        if shared:
            with shared_netns() as enter:
                argv = [*enter, "true"]
                return subprocess.run(argv, capture_output=True, timeout=20, check=False).returncode == 0
        return subprocess.run([*NETNS_WRAPPER, "true"], capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError, SetupError):
        return False


def output_of(argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """The first line of a short command's stdout (else stderr), or ``unavailable`` if it fails."""
    try:
        done = subprocess.run(list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unavailable"
    if done.returncode != 0:
        return "unavailable"
    return (done.stdout.strip() or done.stderr.strip() or "unavailable").splitlines()[0]


def sandbox_note() -> str:
    """gVisor, Firecracker or another hypervisor, as ``uname -a`` and ``dmesg`` tell (else empty)."""
    text = " ".join(platform.uname())
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        text += subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10, check=False).stdout
    lowered = text.lower()
    if "gvisor" in lowered:
        return "gVisor sandbox"
    if "firecracker" in lowered:
        return "Firecracker microVM (not gVisor)"
    found = re.search(r"Hypervisor detected: (\S+)", text)
    return f"virtual machine ({found.group(1)}; not gVisor)" if found else ""


def specs_origin(cfg: Config) -> str:
    """Where the venv's Python imports ``specs`` from, run from a folder outside the checkout."""
    with fresh_folder(cfg) as folder:
        return output_of(
            [str(cfg.venv / "bin" / "python"), "-c", "import specs; print(specs.__file__)"], cwd=folder, env=cfg.env
        )


def platform_measured(cfg: Config) -> tuple[str, str]:
    """The platform implementation the runs use, as the venv's netconform chooses it with the runs' environment
    (``NETCONFORM_PLATFORM``, or netconform's own choice where it is unset), and the header's line saying so."""
    asked = cfg.env.get(PLATFORM_CHOICE, "")
    try:
        with fresh_folder(cfg) as folder:
            done = subprocess.run([str(cfg.venv / "bin" / "python"), "-c", PLATFORM_PROBE], cwd=folder, env=cfg.env,
                                  capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise SetupError(f"cannot ask the venv which platform netconform uses: {error}") from error
    why = (done.stderr.strip().splitlines() or ["no output"])[-1]
    if done.returncode != 0:
        given = f" {PLATFORM_CHOICE}={asked}" if asked else ""
        raise SetupError(f"the venv's netconform cannot choose its platform{given}: {why}")
    name = done.stdout.strip()
    if name == "-":
        if asked:
            raise SetupError(f"{PLATFORM_CHOICE}={asked}, but {cfg.repo} has no specs.harness.platform (a commit "
                             "before the linux and portable implementations): measure it without --platform")
        return name, "- (this checkout has no specs.harness.platform: one implementation, no choice)"
    if asked and name != asked:
        raise SetupError(f"{PLATFORM_CHOICE}={asked}, but netconform chose {name!r}")
    if asked:
        return name, f"{name} ({PLATFORM_CHOICE}={asked} in every run's environment)"
    return name, f"{name} (chosen by netconform for {platform.system()}: {PLATFORM_CHOICE} unset)"


def prepare(cfg: Config) -> tuple[Config, list[tuple[str, str]]]:
    """Check that the venv runs the checkout's specs (else put the checkout on PYTHONPATH); the facts."""
    if not (cfg.venv / "bin" / "pytest").exists():
        raise SetupError(f"no pytest in the venv {cfg.venv}: give --venv")
    origin = specs_origin(cfg)
    note = ""
    if not Path(origin).resolve().is_relative_to(cfg.repo):
        env = dict(cfg.env)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(cfg.repo), env.get("PYTHONPATH"))))
        cfg = dataclasses.replace(cfg, env=env)
        note = f" (the venv alone imports {origin}: PYTHONPATH={cfg.repo} added)"
        origin = specs_origin(cfg)
        if not Path(origin).resolve().is_relative_to(cfg.repo):
            raise SetupError(f"cannot make {cfg.venv} import specs from {cfg.repo} (it imports {origin})")
    measured, how = platform_measured(cfg)
    cfg = dataclasses.replace(cfg, platform=measured)
    commit = output_of(["git", "-C", str(cfg.repo), "log", "-1", "--format=%h %cs %s"])
    commit = "(not a git checkout)" if commit == "unavailable" else commit[:90] + ("..." if len(commit) > 90 else "")
    changed = output_of(["sh", "-c", f"git -C {shlex.quote(str(cfg.repo))} status --porcelain | wc -l"])
    python3 = shutil.which("python3", path=cfg.env.get("PATH"))
    probe = "import twisted; print('Twisted ' + twisted.__version__)"
    twisted = output_of(["python3", "-c", probe], env=cfg.env)
    twisted = twisted if twisted.startswith("Twisted ") else "no Twisted"
    if cfg.env.get("VIRTUAL_ENV") == str(cfg.venv):
        twisted += "; the venv is activated: its bin/ leads PATH"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = [
        ("checkout", f"{cfg.repo} at {commit}" + (f", {changed} changed files" if changed not in ("0", "") else "")),
        ("venv", f"{cfg.venv} ({output_of([str(cfg.venv / 'bin' / 'pytest'), '--version'])})"),
        ("specs imported from", origin + note),
        ("command form", "pytest --pyargs specs --impl ..." if cfg.pyargs else "pytest --impl ... (--no-pyargs)"),
        ("python3 (targets)", f"{python3} ({output_of(['python3', '--version'], env=cfg.env)}, {twisted})"),
        ("CPUs", f"{os.cpu_count()} (nproc: {usable})"),
        ("CPU speed", cpu_speed()),
        ("platform", " ".join(platform.uname()[:3]) + (f"; {sandbox}" if (sandbox := sandbox_note()) else "")),
        ("netconform platform", how),
    ]
    if hasattr(os, "getloadavg"):
        facts.append(("load average (start)", " ".join(f"{load:.2f}" for load in os.getloadavg())))
    for name in ("NETCONFORM_PROFILE", "CI", "PYTEST_ADDOPTS"):
        if cfg.env.get(name):
            facts.append((f"${name}", cfg.env[name]))
    return cfg, facts


def cpu_speed() -> str:
    """How fast one core runs Python here: the best of 3 runs of a fixed loop, in the python3 that runs the
    benchmark. The same goals take longer on a slower machine: compare figures from two machines by this."""
    best = min(timed_loop() for _ in range(3))
    return f"{best:.2f} s for sum(range(30_000_000)) (best of 3; smaller is faster)"


def timed_loop() -> float:
    start = time.perf_counter()
    sum(range(30_000_000))
    return time.perf_counter() - start

