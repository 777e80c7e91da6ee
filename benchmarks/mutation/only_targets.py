"""A pytest plug-in for the mutation campaign: keep the specs to some reference targets.

``pytest -p mutation.only_targets --only-target logger-server=select ...`` deselects every spec
whose target is not one of those named (``ROLE=NAME``, as ``targets.Target.option`` gives them), and
every spec without a target. A named target that no spec collects is an error: a trial that judged
nothing must not count as a survivor. The targets run in the order named (each in its diagnosis
order), so the campaign can put first the target that killed the last mutant; the first failing
spec's target is printed last, as ``killed by target: ROLE=NAME``.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--only-target", action="append", default=[], metavar="ROLE=NAME",
                     help="run only the specs of these reference targets (the mutation campaign)")


def _target_of(item: pytest.Item) -> tuple[str, str] | None:
    callspec = getattr(item, "callspec", None)
    for value in (callspec.params.values() if callspec else ()):
        role, name = getattr(value, "role", None), getattr(value, "name", None)
        if isinstance(role, str) and isinstance(name, str):
            return role, name
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {tuple(option.split("=", 1)) for option in config.getoption("only_target")}
    if not wanted:
        return
    kept = [item for item in items if _target_of(item) in wanted]
    found = {_target_of(item) for item in kept}
    if missing := sorted("=".join(pair) for pair in wanted - found):
        raise pytest.UsageError(f"--only-target: no spec collects {', '.join(missing)}")
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    rank = {pair: i for i, pair in enumerate(tuple(o.split("=", 1)) for o in config.getoption("only_target"))}
    items[:] = sorted(kept, key=lambda item: rank[_target_of(item) or ("", "")])  # stable: diagnosis order kept
    config.stash[_TARGETS] = {item.nodeid: "=".join(_target_of(item) or ()) for item in items}


_TARGETS = pytest.StashKey[dict[str, str]]()
_KILLER = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    if call.excinfo is not None and not call.excinfo.errisinstance(pytest.skip.Exception):
        targets = item.config.stash.get(_TARGETS, {})
        if item.nodeid in targets and _KILLER not in item.config.stash:
            item.config.stash[_KILLER] = targets[item.nodeid]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if _KILLER in config.stash:
        terminalreporter.write_line(f"killed by target: {config.stash[_KILLER]}")
