"""The pytest plug-in: ``--impl``, target parametrization, requirement markers, summary.

Loaded by the project's root ``conftest.py`` and, once installed, through the
``pytest11`` entry point (so ``pytest --pyargs specs --impl ...`` works from any
directory). It

- registers the markers: ``req(ID)`` (validated against ``specs/SPEC.md``), ``must``
  and ``should`` (added from the requirement's level), one per capability;
- parametrizes every spec that asks for a role's fixture (``greeting_server``...)
  over that role's targets: the references, or only the given programs (``--impl``,
  ``--submission``, ``--impl-dir``; see ``harness/submissions.py``);
- hands each spec a running target, started once per target and reused;
- prints a conformance summary (per target: MUST x/y, SHOULD x/y, first failure)
  and writes the verdicts: JSON (``--netconform-json``), the report
  (``--conformance-report``), Gradescope's results (``--gradescope``); JUnit XML names
  carry the requirement (``harness/verdicts.py``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import tempfile
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, settings

from specs.harness import capabilities, findings, gradescope, report, requirements, submissions
from specs.harness.client import ClientTarget
from specs.harness.findings import Finding
from specs.harness.fixture_servers import HttpFixture
from specs.harness.modules import load_module
from specs.harness.process import Limits, become_subreaper, inherit_ctrl_c
from specs.harness.server import ServerTarget, Settings, TargetPool, TestContext
from specs.harness.targets import (
    MODULE_ROLES,
    PROJECT_ROOT,
    ROLES,
    SERVER_ROLES,
    ImplSyntaxError,
    TargetSpec,
    parse_impls,
    reference_targets,
)
from specs.harness.verdicts import JUnitNames, Recorder, finding_property, sorted_verdicts, write_matrix

POOL = pytest.StashKey[TargetPool]()
TARGETS = pytest.StashKey[list[TargetSpec]]()
RECORDER = pytest.StashKey[Recorder]()
SUBMISSIONS = pytest.StashKey[list[submissions.Submission]]()
WORKDIR = pytest.StashKey[str]()
SPECS_DIR = Path(__file__).resolve().parent
TESTS_DIR = SPECS_DIR.parent / "tests"

# -- Hypothesis profiles: dev (default), ci (derandomized: same verdict twice), thorough ----------
_COMMON: dict[str, Any] = {
    "deadline": None,  # real sockets: timing varies; our own timeouts bound every step
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("dev", max_examples=10, stateful_step_count=10, **_COMMON)
settings.register_profile("ci", max_examples=10, stateful_step_count=10, derandomize=True, database=None, **_COMMON)
settings.register_profile("thorough", max_examples=200, stateful_step_count=30, **_COMMON)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("netconform", "netconform conformance suite")
    group.addoption(
        "--impl", action="append", default=[], metavar="ROLE[:NAME]=COMMAND",
        help="validate your implementation: e.g. --impl 'greeting-server=python3 my_server.py {port}'. "
        "{host} and {port} are substituted; without {port} the port it listens on is discovered. "
        f"May repeat. Roles: {', '.join(ROLES)}",
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
    group.addoption("--netconform-profile", choices=("dev", "ci", "thorough"), default=None,
                    help="Hypothesis profile (default: $NETCONFORM_PROFILE, else 'ci' when $CI is set, else 'dev');"
                    " --hypothesis-profile also works")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(id): the requirement (specs/SPEC.md) this spec checks")
    config.addinivalue_line("markers", "must: the spec checks a MUST requirement (added from SPEC.md)")
    config.addinivalue_line("markers", "should: the spec checks a SHOULD requirement (added from SPEC.md)")
    config.addinivalue_line("markers", "concurrency: applies only to targets that claim to serve clients at once")
    config.addinivalue_line("markers", "observes_process: reads the target's output or processes (not applicable "
                            "to a tcp:// target, which the suite did not start)")
    for cap in capabilities.CAPABILITIES.values():
        config.addinivalue_line("markers", f"{cap.name}: {cap.description}; skipped where missing")
    report_path = config.getoption("conformance_report")
    if report_path:
        try:
            report.report_format(report_path)
        except ValueError as exc:
            raise pytest.UsageError(f"--conformance-report: {exc}") from None
    profile = (config.getoption("netconform_profile") or os.environ.get("NETCONFORM_PROFILE")
               or ("ci" if os.environ.get("CI") else "dev"))
    settings.load_profile(profile)
    try:
        impls = parse_impls(config.getoption("impl"), cwd=str(config.invocation_params.dir))
    except ImplSyntaxError as exc:
        raise pytest.UsageError(str(exc)) from None
    serial = set(config.getoption("serial"))
    unknown = serial - {t.name for t in impls}
    if unknown:
        raise pytest.UsageError(f"--serial {', '.join(sorted(unknown))}: no --impl target has that name")
    impls = [dataclasses.replace(t, concurrent=t.name not in serial) for t in impls]
    try:
        gradescope.parse_points(config.getoption("gradescope_points"))
    except ValueError as exc:
        raise pytest.UsageError(f"--gradescope-points {exc}") from None
    subs = _load_submissions(config)
    impls += [t for sub in subs for t in sub.targets]
    if gradescope.wants_one_file(config.getoption("gradescope")) and len(subs) > 1:
        raise pytest.UsageError("--gradescope PATH.json holds one submission's results; for several, give a "
                                "directory: --gradescope results/ writes results/<submission>/results.json")
    config.stash[TARGETS] = impls if _user_mode(config) else reference_targets()
    run_id = os.environ.get("NETCONFORM_RUN") or uuid.uuid4().hex[:12]
    os.environ["NETCONFORM_RUN"] = run_id  # xdist workers inherit it
    limits = Limits(config.getoption("limit_cpu"), config.getoption("limit_memory"),
                    config.getoption("limit_processes"), config.getoption("limit_file_size"))
    config.stash[POOL] = TargetPool(Settings(config.getoption("startup_timeout"),
                                             config.getoption("net_timeout"), run_id, limits))
    config.stash[RECORDER] = Recorder(config)
    config.pluginmanager.register(JUnitNames(config), "netconform-junit-names")
    config.pluginmanager.register(config.stash[RECORDER], "netconform-recorder")
    config.pluginmanager.register(DiagnosisOrder(), "netconform-diagnosis-order")
    become_subreaper()
    inherit_ctrl_c()
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") in ("no", "load"):
        config.option.dist = "loadgroup"  # all specs of one target on one worker: started once


def _user_mode(config: pytest.Config) -> bool:
    """Is this run validating given programs (``--impl``, ``--submission``, ``--impl-dir``)?"""
    return bool(config.getoption("impl") or config.getoption("submission") or config.getoption("impl_dir"))


def _load_submissions(config: pytest.Config) -> list[submissions.Submission]:
    """The ``--submission`` and ``--impl-dir`` folders, each copied into this process's work directory."""
    base = config.invocation_params.dir
    try:
        folders = [base / d for d in config.getoption("submission")]
        for folder in folders:
            if not folder.is_dir():
                raise ImplSyntaxError(f"--submission {folder}: not a directory")
        for impl_dir in config.getoption("impl_dir"):
            folders += submissions.submission_folders(base / impl_dir)
    except ImplSyntaxError as exc:
        raise pytest.UsageError(str(exc)) from None
    if not folders:
        config.stash[SUBMISSIONS] = []
        return []
    config.stash[WORKDIR] = tempfile.mkdtemp(prefix="netconform-submissions-")
    subs = submissions.load_submissions(folders, Path(config.stash[WORKDIR]))
    config.stash[SUBMISSIONS] = subs
    return subs


def pytest_unconfigure(config: pytest.Config) -> None:
    if POOL in config.stash:
        config.stash[POOL].stop_all()
    if WORKDIR in config.stash:
        shutil.rmtree(config.stash[WORKDIR], ignore_errors=True)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """When validating given programs, only the specs run: the suite's self-tests are not collected."""
    if _user_mode(config) and (collection_path == TESTS_DIR or TESTS_DIR in collection_path.parents):
        return True
    return None


def _capability_marks(spec: TargetSpec) -> list[pytest.MarkDecorator]:
    return [getattr(pytest.mark, need) for need in spec.needs]


#: The fixtures that hand specs a target, and the roles each covers.
TARGET_FIXTURES: dict[str, tuple[str, ...]] = {
    **{role.replace("-", "_"): (role,) for role in ROLES},
    "logging_server": ("logger-server", "line-logger-server"),
    "server": SERVER_ROLES,
    "url_client": ("fetch-client", "link-client", "download-client"),
}


def _param_id(spec: TargetSpec, roles: tuple[str, ...]) -> str:
    return spec.name if len(roles) == 1 else f"{spec.name}-{spec.role.removesuffix('-server')}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize each spec over the targets of the roles whose fixture it asks for."""
    targets = metafunc.config.stash[TARGETS]
    for fixture, roles in TARGET_FIXTURES.items():
        if fixture in metafunc.fixturenames:
            params = [pytest.param(t, id=_param_id(t, roles), marks=_capability_marks(t))
                      for t in targets if t.role in roles]
            metafunc.parametrize(fixture, params, indirect=True, scope="session")


def _target_fixture(name: str) -> Callable[..., Any]:
    @pytest.fixture(scope="session", name=name)
    def target(request: pytest.FixtureRequest) -> Iterator[Any]:
        spec: TargetSpec = request.param
        if spec.role in MODULE_ROLES:
            yield _load_module_target(spec)
            return
        pool = request.config.stash[POOL]
        handle = pool.get(spec) if spec.role in SERVER_ROLES else pool.client(spec)
        yield handle
        if isinstance(handle, ServerTarget):
            handle.stop()  # pytest moves to the next target: this one is done

    target.__doc__ = f"A `{name}` target (parametrized over the targets of the roles {TARGET_FIXTURES[name]})."
    return target


def _load_module_target(spec: TargetSpec) -> ModuleType:
    try:
        module = load_module(spec.command[0], cwd=spec.cwd)
        module.__netconform_target__ = spec  # type: ignore[attr-defined]  # for the specs' messages
        return module
    except ImportError as exc:
        pytest.fail(f"target {spec.name!r} ({spec.role}) could not be imported: {exc}", pytrace=False)


for _name in TARGET_FIXTURES:
    globals()[f"_{_name}_fixture"] = _target_fixture(_name)


@pytest.fixture(scope="session")
def http_fixture_server() -> Iterator[HttpFixture]:
    """The suite's HTTP server (``fixtures/http`` and generated responses) on 127.0.0.1."""
    server = HttpFixture()
    yield server
    server.close()


def _target_of(item: pytest.Item) -> TargetSpec | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for value in callspec.params.values():
        if isinstance(value, TargetSpec):
            return value
    return None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Validate requirement markers, add level markers and report properties."""
    registry = requirements.registry()
    wanted = {w.strip().upper() for opt in config.getoption("requirement") for w in opt.split(",") if w.strip()}
    unknown = {w for w in wanted if w not in registry and w not in {r.family for r in registry.values()}}
    if unknown:
        raise pytest.UsageError(f"--requirement: unknown {', '.join(sorted(unknown))}; see specs/SPEC.md")
    errors = []
    deselected = []
    kept = []
    for item in items:
        spec = _target_of(item)
        marks = list(item.iter_markers("req"))
        if spec is None:
            if _user_mode(config) or wanted or set(TARGET_FIXTURES) & set(getattr(item, "fixturenames", ())):
                deselected.append(item)
                continue
            kept.append(item)
            if not marks:
                continue
        elif len(marks) != 1:
            errors.append(f"{item.nodeid}: a spec must carry exactly one @pytest.mark.req('ID') marker")
            continue
        req_id = marks[0].args[0] if marks[0].args else None
        if req_id not in registry:
            errors.append(f"{item.nodeid}: unknown requirement {req_id!r} (not in specs/SPEC.md)")
            continue
        req = registry[req_id]
        if wanted and req.id not in wanted and req.family not in wanted:
            deselected.append(item)
            continue
        item.add_marker(req.level.lower())
        item.user_properties.append(("requirement", req.id))
        item.user_properties.append(("level", req.level))
        if spec is not None:
            kept.append(item)
            item.user_properties.append(("target", spec.name))
            item.user_properties.append(("role", spec.role))
            if spec.submission:
                item.user_properties.append(("submission", spec.submission))
            item.add_marker(pytest.mark.xdist_group(spec.xdist_group))
    if errors:
        raise pytest.UsageError("invalid requirement markers:\n  " + "\n  ".join(errors))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


class DiagnosisOrder:
    """Runs each target's specs in its role's diagnosis order (SPEC.md): ``-x`` stops at the root cause.

    A plug-in object of its own, so that its hook runs last: after pytest has grouped the
    items by their session-scoped target parameters.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        order_by_diagnosis(items)


def order_by_diagnosis(items: list[pytest.Item]) -> None:
    """Sort the spec items (in place) by target, then by requirement rank; other items keep their places."""
    slots = [i for i, item in enumerate(items) if _target_of(item) is not None]
    targets: dict[tuple[str, str], int] = {}
    for i in slots:
        spec = _target_of(items[i])
        assert spec is not None
        targets.setdefault((spec.role, spec.name), len(targets))

    def key(item: pytest.Item) -> tuple[int, int]:
        spec = _target_of(item)
        req = _requirement_of(item)
        assert spec is not None
        return targets[(spec.role, spec.name)], requirements.rank(spec.role, req.id if req else "")

    ordered = sorted((items[i] for i in slots), key=key)
    for i, item in zip(slots, ordered, strict=True):
        items[i] = item


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers():
        cap = capabilities.CAPABILITIES.get(mark.name)
        if cap is not None and not capabilities.available(cap.name):
            pytest.skip(cap.missing)
    spec = _target_of(item)
    if spec is not None and not spec.concurrent and item.get_closest_marker("concurrency"):
        _not_applicable(f"{spec.name} serves one client at a time by design "
                        f"({'model ' + spec.model if spec.origin == 'reference' else '--serial'})")
    if spec is not None and spec.port_policy == "external" and item.get_closest_marker("observes_process"):
        _not_applicable(f"{spec.name} ({spec.command[0]}) is a server netconform did not start, "
                        "so its output and processes cannot be observed")


def _not_applicable(why: str) -> NoReturn:
    """Skip the spec as not applicable to the target (a typed verdict, ``not applicable``)."""
    __tracebackhide__ = True
    summary = f"not applicable: {why}"
    findings.record(Finding(summary, cause=why, outcome="not applicable"))
    pytest.skip(summary)


def _requirement_of(item: pytest.Item) -> requirements.Requirement | None:
    marks = list(item.iter_markers("req"))
    return requirements.registry().get(marks[0].args[0]) if marks and marks[0].args else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Attach the spec's typed finding (what failed, its cause and hints) to its report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    finding = findings.take()
    if finding is not None and report.when in ("setup", "call") and not report.passed:
        report.user_properties.append(finding_property(finding))


def _repro(item: pytest.Item, spec: TargetSpec) -> str:
    """The command that runs just this spec again, for this target.

    Inside the checkout the node ID does it; elsewhere (an installed suite) the specs are
    named with ``--pyargs``, and the test is picked by name (``--impl`` picks the target).
    """
    if item.config.rootpath == PROJECT_ROOT:
        parts = ["pytest", shlex.quote(item.nodeid)]
    else:
        module = item.nodeid.split("::", 1)[0].rsplit("/", 1)[-1].removesuffix(".py")
        test = getattr(item, "originalname", item.name)
        parts = ["pytest", "--pyargs", f"specs.{module}", "-k", shlex.quote(test)]
    if spec.origin == "user":
        parts.append(spec.select_option)
    return " ".join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Tell the target which spec runs (for messages); restart it if a previous spec killed it."""
    funcargs = getattr(item, "funcargs", {})
    targets = [v for v in funcargs.values() if isinstance(v, ServerTarget | ClientTarget)]
    req = _requirement_of(item)
    seen = {id(t): len(t.events) for t in targets}
    for target in targets:
        target.begin_test(TestContext(item.nodeid, req, _repro(item, target.spec)))
    try:
        yield
    finally:
        for target in targets:
            if isinstance(target, ServerTarget):
                target.end_test()
            item.user_properties.extend(("event", event) for event in target.events[seen[id(target)]:])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or RECORDER not in config.stash:
        return
    verdicts = config.stash[RECORDER].verdicts
    problems = [(sub.name, sub.problem) for sub in config.stash.get(SUBMISSIONS, []) if sub.problem]
    if not (verdicts or problems):
        return
    write_matrix(terminalreporter, sorted_verdicts(verdicts), problems)
    for option, what in (("netconform_json", "verdicts"), ("conformance_report", "conformance report"),
                         ("gradescope", "Gradescope results")):
        if config.getoption(option):
            terminalreporter.write_line(f"{what} written to {config.getoption(option)}")


def _payload(config: pytest.Config) -> dict[str, Any]:
    """Every verdict of the run, with the requirements and targets they refer to."""
    return {
        "requirements": {r.id: {"level": r.level, "text": r.text, "section": r.section}
                         for r in requirements.registry().values()},
        "targets": [{"role": t.role, "name": t.name, "command": t.command_line, "origin": t.origin,
                     "model": t.model, "concurrent": t.concurrent} for t in config.stash[TARGETS]],
        "results": config.stash[RECORDER].results,
        "submissions": [{"name": sub.name, "source": str(sub.source), "problem": sub.problem,
                         "roles": [t.role for t in sub.targets]} for sub in config.stash.get(SUBMISSIONS, [])],
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write the JSON verdicts and the conformance report (also when specs failed or timed out)."""
    config = session.config
    if hasattr(config, "workerinput") or RECORDER not in config.stash:
        return
    if any(sub.problem for sub in config.stash.get(SUBMISSIONS, [])) and exitstatus in (0, 5):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED  # a submission that could not run is not a pass
    json_path = config.getoption("netconform_json")
    report_path = config.getoption("conformance_report")
    payload = _payload(config)
    if json_path:
        Path(json_path).write_text(json.dumps(payload, indent=2), encoding="utf-8")
    if report_path:
        report.write_report(payload, report_path)
    if config.getoption("gradescope"):
        points = gradescope.parse_points(config.getoption("gradescope_points"))
        gradescope.write_results(config.getoption("gradescope"), payload, points)
