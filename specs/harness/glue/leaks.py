"""What a run left behind: processes of its targets that survived teardown (a harness-level error).

Every target's teardown (``ProcessGroup.stop``) checks that no process the target started
is still alive, and names any that is (``process_group.LEFTOVERS``). This plug-in module stops
the targets at the end of the session, before the verdicts are written, gathers the
leftovers of every xdist worker on the controller (``workeroutput``), and hands them to the
terminal summary and the JSON (``harness_errors``), with the mechanism that found the
targets' escaped descendants (``containment.mechanism``).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import psutil
import pytest

from .. import platform
from ..launch import process_group
from ..platform import containment
from .keys import POOL

LEAKS = pytest.StashKey[list[str]]()  # on the controller: the leftovers of its workers
_KEY = "netconform_leftovers"


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop every target now (an interrupted run's too), so that what survives is known before the verdicts
    are written; a worker hands its leftovers to the controller."""
    config = session.config
    if POOL in config.stash:
        config.stash[POOL].stop_all()
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput[_KEY] = list(process_group.LEFTOVERS)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """On the xdist controller: keep a finished worker's leftovers."""
    config = node.config
    config.stash.setdefault(LEAKS, []).extend(getattr(node, "workeroutput", {}).get(_KEY, []))


def leftovers(config: pytest.Config) -> list[str]:
    """Every process that survived its target's teardown, in this process and its workers."""
    return [*process_group.LEFTOVERS, *config.stash.get(LEAKS, [])]


def harness_errors(config: pytest.Config) -> list[str]:
    """The run's harness-level errors, one sentence each (none: the machine was left as found)."""
    return [f"a process of a target survived teardown (netconform could not end it): {leak}"
            for leak in leftovers(config)]


def reap_adopted() -> None:
    """At the end: reap the zombies this process adopted as subreaper (orphans of targets that exited
    before their teardown looked), all but the watchdog's."""
    keep = {process_group.watchdog_pid()}
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process().children():
            with contextlib.suppress(psutil.Error, ChildProcessError):
                if child.pid not in keep and child.status() == psutil.STATUS_ZOMBIE:
                    os.waitpid(child.pid, os.WNOHANG)


def summary_lines(config: pytest.Config) -> list[tuple[str, bool]]:
    """Lines for the terminal summary, each with whether it is an error (red)."""
    lines = [(f"netconform harness error: {error}", True) for error in harness_errors(config)]
    limits = platform.limitations()
    if limits:
        lines.append((f"netconform: the {platform.NAME} platform is in use ({platform.CHOICE}); unlike Linux's:",
                      False))
        lines += [(f"  - {limit}", False) for limit in limits]
    elif containment.degraded():
        lines.append((f"netconform: escaped descendants of targets are found by {containment.mechanism()}", False))
    return lines
