"""netconform's command-line options, and the one run configuration they make.

:func:`add_options` declares the options; :func:`build` turns their values into a
:class:`RunConfig` (or an :class:`OptionError` that says how to write them), without
touching pytest, the file system or the environment beyond what it is given: the
plug-in calls it once, and ``tests/test_options.py`` tests it directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from ..judge import requirements
from ..launch import submissions
from ..launch.process_group import Limits
from ..launch.targets import ROLES, TRANSPORTS, ImplSyntaxError, TargetSpec, parse_impls
from ..report import document, gradescope

Profile = Literal["dev", "ci", "thorough"]
PROFILES: tuple[Profile, ...] = ("dev", "ci", "thorough")


class OptionError(ValueError):
    """Options that cannot be understood together; the message says how to write them."""


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs to know from its command line."""

    impls: tuple[TargetSpec, ...] = ()  # --impl targets (submissions' targets come when they are loaded)
    submission_folders: tuple[Path, ...] = ()  # --submission and the folders of --impl-dir
    wanted: frozenset[str] = frozenset()  # --requirement: IDs and families (empty: all)
    profile: Profile = "dev"
    startup_timeout: float = 10.0
    net_timeout: float = 5.0
    limits: Limits = field(default_factory=Limits)
    json_path: str | None = None
    report_path: str | None = None
    gradescope_path: str | None = None
    gradescope_points: tuple[float, float] = (2.0, 1.0)
    allow_real_network: bool = False  # URL clients that hard-code URLs may run where no namespace can be made

    @property
    def user_mode(self) -> bool:
        """Validating given programs (``--impl``, ``--submission``, ``--impl-dir``), not the references?"""
        return bool(self.impls or self.submission_folders)

    def selects(self, requirement: requirements.Requirement) -> bool:
        """Does ``--requirement`` (if given) select ``requirement``?"""
        return not self.wanted or requirement.id in self.wanted or requirement.family in self.wanted


def build(values: Mapping[str, Any], cwd: Path, environ: Mapping[str, str]) -> RunConfig:
    """The run configuration from the options' ``values`` (pytest's ``config.option``), given in ``cwd``."""
    try:
        impls = parse_impls(values.get("impl") or [], cwd=str(cwd))
    except ImplSyntaxError as exc:
        raise OptionError(str(exc)) from None
    serial = set(values.get("serial") or [])
    unknown = serial - {t.name for t in impls}
    if unknown:
        raise OptionError(f"--serial {', '.join(sorted(unknown))}: no --impl target has that name")
    impls = [dataclasses.replace(t, concurrent=t.name not in serial) for t in impls]
    folders = _submission_folders(values, cwd)
    report_path = values.get("conformance_report")
    if report_path:
        try:
            document.report_format(report_path)
        except ValueError as exc:
            raise OptionError(f"--conformance-report: {exc}") from None
    try:
        points = gradescope.parse_points(values.get("gradescope_points") or "2,1")
    except ValueError as exc:
        raise OptionError(f"--gradescope-points {exc}") from None
    if gradescope.wants_one_file(values.get("gradescope")) and len(folders) > 1:
        raise OptionError("--gradescope PATH.json holds one submission's results; for several, give a "
                          "directory: --gradescope results/ writes results/<submission>/results.json")
    profile = values.get("netconform_profile") or environ.get("NETCONFORM_PROFILE") or (
        "ci" if environ.get("CI") else "dev")
    if profile not in PROFILES:
        raise OptionError(f"$NETCONFORM_PROFILE={profile!r}: use one of {', '.join(PROFILES)}")
    return RunConfig(
        impls=tuple(impls), submission_folders=tuple(folders), wanted=_wanted(values.get("requirement") or []),
        profile=profile, startup_timeout=float(values.get("startup_timeout", 10.0)),
        net_timeout=float(values.get("net_timeout", 5.0)),
        limits=Limits(values.get("limit_cpu", Limits.cpu_seconds), values.get("limit_memory", Limits.memory_mb),
                      values.get("limit_processes", Limits.processes), values.get("limit_file_size", Limits.file_mb)),
        json_path=values.get("netconform_json"), report_path=report_path, gradescope_path=values.get("gradescope"),
        gradescope_points=points, allow_real_network=bool(values.get("allow_real_network")),
    )


def _submission_folders(values: Mapping[str, Any], cwd: Path) -> list[Path]:
    try:
        folders = [cwd / d for d in values.get("submission") or []]
        for folder in folders:
            if not folder.is_dir():
                raise ImplSyntaxError(f"--submission {folder}: not a directory")
        for impl_dir in values.get("impl_dir") or []:
            folders += submissions.submission_folders(cwd / impl_dir)
    except ImplSyntaxError as exc:
        raise OptionError(str(exc)) from None
    return folders


def _wanted(given: list[str]) -> frozenset[str]:
    """``--requirement`` values: IDs or families, comma-separated or repeated; unknown ones are an error."""
    registry = requirements.registry()
    wanted = {w.strip().upper() for opt in given for w in opt.split(",") if w.strip()}
    unknown = {w for w in wanted if w not in registry and w not in {r.family for r in registry.values()}}
    if unknown:
        raise OptionError(f"--requirement: unknown {', '.join(sorted(unknown))}; see specs/SPEC.md")
    return frozenset(wanted)


def add_options(parser: pytest.Parser) -> None:
    """Declare netconform's command-line options (``pytest --help`` lists them under netconform)."""
    group = parser.getgroup("netconform", "netconform conformance suite")
    group.addoption(
        "--impl", action="append", default=[], metavar="ROLE[/TRANSPORT][:NAME]=COMMAND",
        help="validate your implementation: e.g. --impl 'greeting-server=python3 my_server.py {port}'. "
        "{host} and {port} are substituted; without {port} the port it listens on is discovered. URL clients "
        "get {url} (and {output}); without {url} they run as written, fetching python.org through netconform's "
        "proxy in a network namespace of their own. A transport "
        "other than TCP follows the role: greeting-server/udp=... {port}, logger-server/unix=... {path} "
        "(a socket path in a private folder), greeting-server/unixgram=... {path}. "
        f"May repeat. Roles: {', '.join(ROLES)}; transports: {', '.join(TRANSPORTS)}",
    )
    group.addoption("--serial", action="append", default=[], metavar="NAME",
                    help="the --impl target NAME serves one client at a time by design (like the book's "
                    "iterative server): concurrency specs are then not applicable to it")
    group.addoption("--startup-timeout", type=float, default=10.0, metavar="SECONDS",
                    help="how long a server target may take to start listening (default 10)")
    group.addoption("--net-timeout", type=float, default=5.0, metavar="SECONDS",
                    help="how long to wait for each expected network event (default 5)")
    group.addoption("--requirement", action="append", default=[], metavar="ID",
                    help="run only the specs of these requirements (IDs like GREET-3, or families like GREET; "
                    "may repeat or be comma-separated)")
    group.addoption("--conformance-report", metavar="PATH", default=None,
                    help="write the conformance matrix to PATH: .html (one self-contained page) or .md; "
                    "written even when specs fail")
    group.addoption("--netconform-json", metavar="PATH", default=None,
                    help="write every verdict (target, requirement, outcome, message) to PATH as JSON")
    group.addoption("--submission", action="append", default=[], metavar="DIR",
                    help=f"validate the submission in folder DIR: its {submissions.MANIFEST} (role, command) or its "
                    "files named after roles (greeting_server.py...); may repeat")
    group.addoption("--impl-dir", action="append", default=[], metavar="DIR",
                    help="validate every submission folder in DIR (a class): one report row per submission")
    group.addoption("--gradescope", metavar="PATH", default=None,
                    help="write Gradescope's results.json: to PATH if it ends in .json (one submission), else "
                    "PATH/<submission>/results.json for each submission")
    group.addoption("--gradescope-points", metavar="MUST,SHOULD", default="2,1",
                    help="points per MUST and per SHOULD requirement met, per role (default 2,1)")
    group.addoption("--limit-cpu", type=int, default=Limits.cpu_seconds, metavar="SECONDS",
                    help=f"CPU seconds each of your processes may use (default {Limits.cpu_seconds}; 0: no limit)")
    group.addoption("--limit-memory", type=int, default=Limits.memory_mb, metavar="MB",
                    help=f"resident memory of a target's processes together, in MB (default {Limits.memory_mb}; "
                    "0: no limit)")
    group.addoption("--limit-processes", type=int, default=Limits.processes, metavar="N",
                    help=f"processes a target may run at once (default {Limits.processes}; 0: no limit)")
    group.addoption("--limit-file-size", type=int, default=Limits.file_mb, metavar="MB",
                    help=f"largest file a target may write, in MB (default {Limits.file_mb}; 0: no limit)")
    group.addoption("--allow-real-network", action="store_true", default=False,
                    help="run URL clients without {url} (they fetch the URLs written in them) even where no network "
                    "namespace can be made: they get netconform's proxy in their environment, but a program that "
                    "ignores it can reach the real internet. Without this option such a run is refused")
    group.addoption("--netconform-profile", choices=PROFILES, default=None,
                    help="Hypothesis profile (default: $NETCONFORM_PROFILE, else 'ci' when $CI is set, else 'dev');"
                    " --hypothesis-profile also works")
