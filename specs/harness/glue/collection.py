"""Which specs run, in which order, and what each one records: requirement markers, diagnosis
order, not-applicable and blocked verdicts, the spec's context for its target's messages.
"""

from __future__ import annotations

import shlex
from collections.abc import Generator
from typing import Any

import pytest

from .. import PROJECT_ROOT
from ..judge import requirements, shrink_budget
from ..judge.findings import finding_of
from ..judge.findings import not_applicable as not_applicable
from ..launch import capabilities
from ..launch.settings import TargetUnavailable, TestContext
from ..launch.targets import TargetSpec
from ..observe.client_target import ClientTarget
from ..observe.server_target import ServerTarget
from .keys import RUN
from .recording import finding_property
from .target_fixtures import TARGET_FIXTURES, target_of


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the xdist_group markers added here
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """Validate requirement markers, add level markers and report properties."""
    registry = requirements.registry()
    run = config.stash[RUN]
    errors = []
    deselected = []
    kept = []
    for item in items:
        spec = target_of(item)
        marks = list(item.iter_markers("req"))
        if spec is None:
            if run.user_mode or run.wanted or set(TARGET_FIXTURES) & set(getattr(item, "fixturenames", ())):
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
        if not run.selects(req):
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
    slots = [i for i, item in enumerate(items) if target_of(item) is not None]
    targets: dict[tuple[str, str], int] = {}
    for i in slots:
        spec = target_of(items[i])
        assert spec is not None
        targets.setdefault((spec.role, spec.name), len(targets))

    def key(item: pytest.Item) -> tuple[int, int]:
        spec = target_of(item)
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
    spec = target_of(item)
    if spec is not None and not spec.concurrent and item.get_closest_marker("concurrency"):
        not_applicable(f"{spec.name} serves one client at a time by design "
                        f"({'model ' + spec.model if spec.origin == 'reference' else '--serial'})")
    if spec is not None and spec.datagram and item.get_closest_marker("byte_stream"):
        not_applicable(f"{spec.name} speaks datagrams ({spec.transport}): a datagram arrives whole, it has no "
                       "fragments or stream to split")
    if spec is not None and spec.port_policy == "external" and item.get_closest_marker("observes_process"):
        not_applicable(f"{spec.name} ({spec.command[0]}) is a server netconform did not start, "
                        "so its output and processes cannot be observed")


def _requirement_of(item: pytest.Item) -> requirements.Requirement | None:
    marks = list(item.iter_markers("req"))
    return requirements.registry().get(marks[0].args[0]) if marks and marks[0].args else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Attach the spec's typed finding (what failed, its cause and hints) to its report.

    A target that could not be started is reported by its message alone, which says why and what to do:
    the spec's traceback would only bury it (and formatting it costs a tenth of a second per spec)."""
    finding = finding_of(call.excinfo.value) if call.excinfo is not None else None
    if call.excinfo is not None and isinstance(call.excinfo.value, TargetUnavailable):
        try:
            pytest.fail(str(call.excinfo.value), pytrace=False)
        except pytest.fail.Exception:
            call.excinfo = pytest.ExceptionInfo.from_current()
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
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
        package = __package__.removesuffix(".harness.glue") if __package__ else "netconform.specs"
        parts = ["pytest", "--pyargs", f"{package}.{module}", "-k", shlex.quote(test)]
    if spec.origin == "user":
        parts.append(spec.select_option)
    return " ".join(parts)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, None]:
    """Tell the target which spec runs (for messages); restart it if a previous spec killed it."""
    funcargs = getattr(item, "funcargs", {})
    targets = [v for v in funcargs.values() if isinstance(v, ServerTarget | ClientTarget)]
    req = _requirement_of(item)
    seen = {id(t): len(t.events) for t in targets}
    for target in targets:
        target.begin_test(TestContext(item.nodeid, req.id if req else "", _repro(item, target.spec)))
    thorough = RUN in item.config.stash and item.config.stash[RUN].profile == "thorough"
    budget = None if thorough or req is None else shrink_budget.SHRINK_BUDGET  # specs only, not other tests
    with shrink_budget.budgeted(getattr(item, "obj", None), budget):
        outcome = yield
    failed = outcome.excinfo is not None and not isinstance(outcome.excinfo[1], pytest.skip.Exception)
    for target in targets:
        if isinstance(target, ServerTarget):
            target.end_test(failed=failed)
        item.user_properties.extend(("event", event) for event in target.events[seen[id(target)]:])
