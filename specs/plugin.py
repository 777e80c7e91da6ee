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

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from specs.harness import capabilities, options, submissions
from specs.harness.collection import DiagnosisOrder
from specs.harness.context import Settings
from specs.harness.keys import POOL, RECORDER, RUN, SUBMISSIONS, TARGETS, WORKDIR
from specs.harness.options import add_options
from specs.harness.pool import TargetPool
from specs.harness.process import become_subreaper, inherit_ctrl_c
from specs.harness.targets import (
    reference_targets,
)
from specs.harness.verdicts import JUnitNames, Recorder

#: The plug-in's parts, each a plug-in module of its own (loaded with this one).
pytest_plugins = ["specs.harness.fixtures", "specs.harness.collection", "specs.harness.outputs"]
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
    add_options(parser)


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
    try:
        run = options.build(vars(config.option), config.invocation_params.dir, os.environ)
    except options.OptionError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[RUN] = run
    settings.load_profile(run.profile)
    subs = _load_submissions(config, run)
    impls = [*run.impls, *(t for sub in subs for t in sub.targets)]
    config.stash[TARGETS] = impls if run.user_mode else reference_targets()
    run_id = os.environ.get("NETCONFORM_RUN") or uuid.uuid4().hex[:12]
    os.environ["NETCONFORM_RUN"] = run_id  # xdist workers inherit it
    config.stash[POOL] = TargetPool(Settings(run.startup_timeout, run.net_timeout, run_id, run.limits))
    config.stash[RECORDER] = Recorder(config)
    config.pluginmanager.register(JUnitNames(config), "netconform-junit-names")
    config.pluginmanager.register(config.stash[RECORDER], "netconform-recorder")
    config.pluginmanager.register(DiagnosisOrder(), "netconform-diagnosis-order")
    become_subreaper()
    inherit_ctrl_c()
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") in ("no", "load"):
        config.option.dist = "loadgroup"  # all specs of one target on one worker: started once


def _load_submissions(config: pytest.Config, run: options.RunConfig) -> list[submissions.Submission]:
    """The ``--submission`` and ``--impl-dir`` folders, each copied into this process's work directory."""
    if not run.submission_folders:
        config.stash[SUBMISSIONS] = []
        return []
    config.stash[WORKDIR] = tempfile.mkdtemp(prefix="netconform-submissions-")
    subs = submissions.load_submissions(list(run.submission_folders), Path(config.stash[WORKDIR]))
    config.stash[SUBMISSIONS] = subs
    return subs


def pytest_unconfigure(config: pytest.Config) -> None:
    if POOL in config.stash:
        config.stash[POOL].stop_all()
    if WORKDIR in config.stash:
        shutil.rmtree(config.stash[WORKDIR], ignore_errors=True)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """When validating given programs, only the specs run: the suite's self-tests are not collected."""
    if config.stash[RUN].user_mode and (collection_path == TESTS_DIR or TESTS_DIR in collection_path.parents):
        return True
    return None
