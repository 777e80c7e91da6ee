"""The pytest plug-in: ``--impl``, target parametrization, requirement markers, summary.

Loaded by the project's root ``conftest.py`` and, once installed, through the
``pytest11`` entry point (so ``pytest --pyargs specs --impl ...`` works from any
directory). It

- registers the markers: ``req(ID)`` (validated against ``specs/SPEC.md``), ``must``
  and ``should`` (added from the requirement's level), one per capability;
- parametrizes every spec that asks for a role's fixture (``greeting_server``...)
  over that role's targets: the references, or only the given programs (``--impl``,
  ``--submission``, ``--impl-dir``; see ``harness/launch/submissions.py``);
- hands each spec a running target, started once per target and reused;
- prints a conformance summary (per target: MUST x/y, SHOULD x/y, first failure)
  and writes the verdicts: JSON (``--netconform-json``), the report
  (``--conformance-report``), Gradescope's results (``--gradescope``); JUnit XML names
  carry the requirement (``harness/glue/recording.py``).
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .harness.platform import host, unsupported

if (_REFUSED := unsupported(host())) is not None:  # before anything that needs POSIX is imported
    raise pytest.UsageError(_REFUSED)

from hypothesis import HealthCheck, Phase, settings

from .catalogue import references
from .harness import platform
from .harness.glue import leaks, options
from .harness.glue.collection import DiagnosisOrder
from .harness.glue.keys import POOL, RECORDER, RUN, SUBMISSIONS, TARGETS, WORKDIR
from .harness.glue.options import add_options
from .harness.glue.recording import JUnitNames, Recorder
from .harness.judge import shrink_budget
from .harness.launch import capabilities, submissions
from .harness.launch.catalogue import reference_targets
from .harness.launch.pool import TargetPool
from .harness.launch.process_group import inherit_ctrl_c
from .harness.launch.settings import Settings
from .harness.observe.client_target import ClientTarget
from .harness.observe.server_target import ServerTarget
from .harness.platform import process_tree

#: The plug-in's parts, each a plug-in module of its own (loaded with this one).
pytest_plugins = [f"{__package__}.harness.glue.{name}" for name in (
    "target_fixtures", "collection", "report_hooks", "distribution", "leaks")] + [f"{__package__}.bench.pytest_compare"]
SPECS_DIR = Path(__file__).resolve().parent
TESTS_DIR = SPECS_DIR.parent / "tests"
#: The specs' package: ``netconform.specs``, installed or (editable install) the checkout's specs/.
SPECS_PACKAGE = __package__ or "netconform.specs"
NOTICES = pytest.StashKey[list[str]]()

# -- Hypothesis profiles: dev (default), ci (derandomized: same verdict twice), thorough ----------
_COMMON: dict[str, Any] = {
    "deadline": None,  # real sockets: timing varies; our own timeouts bound every step
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
#: dev and ci: one failure reported, without the explain phase's extra runs, and shrunk for a bounded
#: time (harness/judge/shrink_budget.py): a failing spec costs seconds. thorough: everything Hypothesis does.
_QUICK: dict[str, Any] = {
    "report_multiple_bugs": False,
    "phases": (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
}
settings.register_profile("dev", max_examples=10, stateful_step_count=10, **_COMMON, **_QUICK)
settings.register_profile("ci", max_examples=10, stateful_step_count=10, derandomize=True, database=None,
                          **_COMMON, **_QUICK)
_BOUNDED_PROFILES = ("dev", "ci")  # where shrinking is budgeted and program-running specs draw few examples
settings.register_profile("thorough", max_examples=200, stateful_step_count=30, **_COMMON)


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(id): the requirement (specs/SPEC.md) this spec checks")
    config.addinivalue_line("markers", "must: the spec checks a MUST requirement (added from SPEC.md)")
    config.addinivalue_line("markers", "should: the spec checks a SHOULD requirement (added from SPEC.md)")
    config.addinivalue_line("markers", "concurrency: applies only to targets that claim to serve clients at once")
    config.addinivalue_line("markers", "byte_stream: applies only over byte streams (TCP, Unix stream), not datagrams")
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
    shrink_budget.bounded = run.profile in _BOUNDED_PROFILES
    subs = _load_submissions(config, run)
    impls = [*run.impls, *(t for sub in subs for t in sub.targets)]
    config.stash[TARGETS] = impls if run.user_mode else reference_targets(references())
    refused = capabilities.refusal(impls, run.allow_real_network)
    if refused:
        raise pytest.UsageError(refused)
    run_id = os.environ.get("NETCONFORM_RUN") or uuid.uuid4().hex[:12]
    os.environ["NETCONFORM_RUN"] = run_id  # xdist workers inherit it
    harness = Settings(run.startup_timeout, run.net_timeout, run_id, run.limits, run.allow_real_network)
    config.stash[POOL] = TargetPool(harness, ServerTarget, ClientTarget)
    config.stash[RECORDER] = Recorder(config)
    config.pluginmanager.register(JUnitNames(config), "netconform-junit-names")
    config.pluginmanager.register(config.stash[RECORDER], "netconform-recorder")
    config.pluginmanager.register(DiagnosisOrder(), "netconform-diagnosis-order")
    process_tree.become_subreaper()
    platform.seal()  # the portable implementation on Linux: no /proc, netlink or Linux-only command of its own
    inherit_ctrl_c()
    _collect_installed_specs(config, run)
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


def _collect_installed_specs(config: pytest.Config, run: options.RunConfig) -> None:
    """``pytest --impl ...`` with no paths runs netconform's specs, wherever it is run.

    pytest would collect the current folder (or its ``testpaths``); when validating given
    programs and no path or module was named, the specs' own package is collected instead,
    by name (as ``--pyargs`` does: no folder above it, such as a student's, is walked).
    ``--pyargs specs[.module]``, the old package name, still means ``netconform.specs``.
    """
    if config.option.pyargs:
        old = [a for a in config.args if a == "specs" or a.startswith("specs.")]
        if old:
            config.args = [f"{SPECS_PACKAGE}{a.removeprefix('specs')}" if a in old else a for a in config.args]
            # a header line, not a warning: filterwarnings = error would make a warning fatal
            config.stash[NOTICES] = [f"netconform: --pyargs {' '.join(old)} is deprecated: the specs are now "
                                     f"{SPECS_PACKAGE}, and plain `pytest --impl ...` runs them"]
    if run.user_mode and config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args = [SPECS_PACKAGE]
        config.option.pyargs = True
        config.args_source = pytest.Config.ArgsSource.ARGS  # no misleading "testpaths:" header line


class SpecModule(pytest.Module):
    """A spec module, imported under its package's name (``netconform.specs.test_greeting``).

    pytest would derive a module name from the file's place (``specs.test_greeting`` in the
    checkout), importing the specs and their harness a second time under another name.
    """

    def _getobj(self) -> ModuleType:
        module = importlib.import_module(f"{SPECS_PACKAGE}.{self.path.stem}")
        if Path(module.__file__ or "").resolve() != self.path.resolve():
            raise self.CollectError(f"{module.__name__} is {module.__file__}, not {self.path}: netconform is "
                                    "installed from elsewhere; in a checkout, run pip install -e .")
        self.config.pluginmanager.consider_module(module)
        return module


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Spec modules are :class:`SpecModule`; installed, their node IDs are short: ``test_greeting.py::...``."""
    if module_path.resolve().parent != SPECS_DIR:
        return None
    if parent.config.rootpath == SPECS_DIR.parent:  # the checkout: specs/test_greeting.py::...
        return SpecModule.from_parent(parent, path=module_path)
    # installed, also below the rootdir (a .venv/ or .tox/ in the student's folder): as with --pyargs
    return SpecModule.from_parent(parent, path=module_path, nodeid=module_path.name)


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """The specs' folders are plain folders to pytest: it imports no ``__init__.py`` for them (the
    checkout's would be imported as ``specs``) and puts none of them on ``sys.path``."""
    if path.resolve() in (SPECS_DIR, SPECS_DIR.parent):
        return pytest.Dir.from_parent(parent, path=path)
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash.get(NOTICES, [])


def pytest_unconfigure(config: pytest.Config) -> None:
    if POOL in config.stash:
        config.stash[POOL].stop_all()
        leaks.reap_adopted()
    if WORKDIR in config.stash:
        shutil.rmtree(config.stash[WORKDIR], ignore_errors=True)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """When validating given programs, only the specs run: the suite's self-tests are not collected."""
    if config.stash[RUN].user_mode and (collection_path == TESTS_DIR or TESTS_DIR in collection_path.parents):
        return True
    return None
