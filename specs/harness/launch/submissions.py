"""Submissions: folders of students' programs, found by a manifest or by file names.

``--submission DIR`` takes one folder; ``--impl-dir DIR`` takes every folder in DIR.
A submission's targets come from its ``netconform.toml``::

    role = "greeting-server"
    command = "python3 server.py {port}"
    serial = false            # optional: serves one client at a time by design

or, for several roles, from ``[[target]]`` tables with the same keys. Without a
manifest, files named after a role are recognised (the naming convention, see
:data:`CONVENTION`): ``greeting_server.py`` runs as ``python3 greeting_server.py
{port}`` (``python2`` if its first line names python2), an executable
``greeting_server`` as ``./greeting_server {port}``.

The submission's name (its folder's) names its targets. Each submission runs in a
copy of its folder, made in a temporary directory, so it cannot change the original
or another submission's files.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .targets import MODULE_ROLES, ROLES, ImplSyntaxError, TargetSpec, parse_impl

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MANIFEST = "netconform.toml"

#: What a role's program is given when found by its file name (``{port}`` etc. filled in).
CONVENTION: dict[str, str] = {
    "greeting-server": "{port}",
    "logger-server": "{port}",
    "line-logger-server": "{port}",
    "greeting-client": "{host} {port}",
    "fetch-client": "{url}",
    "link-client": "{url}",
    "download-client": "{url} {output}",
}
_KEYS = {"role", "command", "serial", "name"}
_NAME = re.compile(r"[^\w.-]+")


@dataclass
class Submission:
    """One student's folder: its targets, or why none were found."""

    name: str
    source: Path
    targets: list[TargetSpec] = field(default_factory=list)
    problem: str = ""
    serial: set[str] = field(default_factory=set)  # roles declared serial


def _python_for(script: Path) -> str:
    try:
        with script.open("rb") as f:
            first = f.readline().decode("latin-1")
    except OSError:
        first = ""
    return "python2" if first.startswith("#!") and re.search(r"python2(\.\d+)?\b", first) else "python3"


def _by_convention(folder: Path) -> list[tuple[str, str]]:
    """(role, command) for each role with a file named after it (the first of ``a_b.py``, ``a-b.py``, ``a_b``...)."""
    found = []
    for role in ROLES:
        for stem in (role.replace("-", "_"), role):
            script, program = folder / f"{stem}.py", folder / stem
            if script.is_file():
                command = script.name if role in MODULE_ROLES else \
                    f"{_python_for(script)} {script.name} {CONVENTION[role]}"
            elif role not in MODULE_ROLES and program.is_file() and os.access(program, os.X_OK):
                command = f"./{program.name} {CONVENTION[role]}"
            else:
                continue
            found.append((role, command))
            break  # one program per role
    return found


def _from_manifest(path: Path) -> tuple[list[tuple[str, str, str]], set[str]]:
    """(role, name, command) per target in a manifest, and the roles declared serial."""
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImplSyntaxError(f"{MANIFEST} cannot be read: {exc}") from None
    tables = data.get("target") if "target" in data else [data]
    if not isinstance(tables, list) or not tables:
        raise ImplSyntaxError(f"{MANIFEST}: 'target' must be a list of tables ([[target]])")
    found, serial = [], set()
    for table in tables:
        unknown = set(table) - _KEYS
        if unknown:
            raise ImplSyntaxError(f"{MANIFEST}: unknown key(s) {', '.join(sorted(unknown))}; "
                                  f"known: {', '.join(sorted(_KEYS))}")
        if not isinstance(table.get("role"), str) or not isinstance(table.get("command"), str):
            raise ImplSyntaxError(f"{MANIFEST}: each target needs role = \"...\" and command = \"...\" "
                                  "(e.g. role = \"greeting-server\", command = \"python3 server.py {port}\")")
        found.append((table["role"], str(table.get("name", "")), table["command"]))
        if table.get("serial"):
            serial.add(table["role"])
    return found, serial


def submission_name(folder: Path) -> str:
    """A submission's name: its folder's, made safe for test IDs and file names."""
    return _NAME.sub("_", folder.resolve().name).strip("_") or "submission"


def load_submission(folder: Path, workdir: Path, name: str | None = None) -> Submission:
    """The targets of one submission folder, to be run in a copy of it under ``workdir``."""
    name = name or submission_name(folder)
    sub = Submission(name=name, source=folder)
    manifest = folder / MANIFEST
    try:
        if manifest.is_file():
            entries, sub.serial = _from_manifest(manifest)
        else:
            entries = [(role, "", command) for role, command in _by_convention(folder)]
    except ImplSyntaxError as exc:
        sub.problem = str(exc)
        return sub
    if not entries:
        sub.problem = (f"no {MANIFEST} and no program named after a role (greeting_server.py, "
                       "logger_server.py, ...): see 'Grading a class' in netconform's README")
        return sub
    copy = workdir / name
    shutil.copytree(folder, copy, symlinks=True, dirs_exist_ok=True)
    home = workdir / f"{name}.home"
    home.mkdir(exist_ok=True)
    for role, target_name, command in entries:
        try:
            spec = parse_impl(f"{role}:{target_name or name}={command}", cwd=str(copy))
        except ImplSyntaxError as exc:
            sub.problem = f"{MANIFEST}: {exc}"
            sub.targets = []
            return sub
        env = (("HOME", str(home)), ("TMPDIR", str(home)))
        sub.targets.append(TargetSpec(**{**spec.__dict__, "env": env, "concurrent": role not in sub.serial,
                                         "submission": name, "source": str(folder)}))
    return sub


def load_submissions(folders: list[Path], workdir: Path) -> list[Submission]:
    """Every submission, in name order; names are made unique (``alice``, ``alice-2``)."""
    subs: list[Submission] = []
    seen: set[str] = set()
    for folder in folders:
        base = name = submission_name(folder)
        n = 1
        while name in seen:
            n += 1
            name = f"{base}-{n}"
        seen.add(name)
        subs.append(load_submission(folder, workdir, name))
    return sorted(subs, key=lambda s: s.name)


def submission_folders(impl_dir: Path) -> list[Path]:
    """The submission folders in ``impl_dir``: its sub-folders, hidden ones and caches left out."""
    if not impl_dir.is_dir():
        raise ImplSyntaxError(f"--impl-dir {impl_dir}: not a directory")
    return sorted(p for p in impl_dir.iterdir()
                  if p.is_dir() and not p.name.startswith((".", "_")) and p.name != "node_modules")
