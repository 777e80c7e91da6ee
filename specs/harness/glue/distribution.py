"""Under pytest-xdist (``-n N``): all specs of one target on one worker, in diagnosis order.

A target is started once per worker that runs its specs, and what one of its specs
finds (a failure that hides an observation, the place where the program is stuck)
blocks the specs after it only within that worker: so each target's specs must run
on one worker. pytest-xdist's ``--dist loadgroup`` would do it from ``xdist_group``
markers, but with pytest 9 it no longer does (pytest-xdist 3.8 renames a node id
attribute pytest 9 does not use, so every spec is scheduled on its own). This
scheduler groups by target itself, from the node ids: the target's name starts the
parameter id (``test_x[select-logger-mid-line]``); fixed-port targets share one group,
since they run one at a time anyway. Other tests are scheduled one by one.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ..launch.targets import TargetSpec
from .keys import TARGETS

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pragma: no cover - pytest-xdist is a dependency; without it nothing is distributed
    LoadScopeScheduling = object


def group_of(nodeid: str, targets: list[TargetSpec]) -> str | None:
    """The group of the spec ``nodeid``: its target's (None: not a spec of any target)."""
    if "[" not in nodeid or not nodeid.endswith("]"):
        return None
    param = nodeid[nodeid.index("[") + 1:-1]
    best: TargetSpec | None = None
    for spec in targets:
        if re.match(rf"{re.escape(spec.name)}\d*(-|$)", param) and (best is None or len(spec.name) > len(best.name)):
            best = spec
    if best is None:
        return None
    return "netconform-fixed-port" if best.port_policy == "fixed" else f"netconform-{best.name}"


class TargetScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """``--dist loadscope`` with a target's specs as the scope; targets' groups and other tests interleaved.

    xdist would send the scopes with the most tests first, and so every single test
    after the targets' groups: the project's self-tests, each a whole pytest run of
    tens of seconds, would trail at the end while the other worker idles. Interleaved
    in collection order instead, a worker waiting on a target's events (a spec mostly
    waits) runs beside one that computes, and neither kind is left for the end.
    """

    _interleaved = False
    _scopes: dict[str, str] | None = None  # each node id's scope, found once (xdist asks again at each report)

    def _split_scope(self, nodeid: str) -> str:
        if "@" in nodeid.rsplit("]", 1)[-1]:  # an xdist that groups again: its group
            return nodeid.rsplit("@", 1)[-1]
        if self._scopes is None:
            self._scopes = {}
        if nodeid not in self._scopes:
            self._scopes[nodeid] = group_of(nodeid, self.config.stash.get(TARGETS, [])) or nodeid
        return self._scopes[nodeid]

    def _assign_work_unit(self, node: Any) -> None:
        if not self._interleaved:  # the queue is complete at the first assignment
            self._interleaved = True
            units = list(self.workqueue.items())
            self.workqueue.clear()
            self.workqueue.update(interleave([u for u in units if u[0].startswith("netconform-")],
                                             [u for u in units if not u[0].startswith("netconform-")]))
        super()._assign_work_unit(node)


def interleave(first: list[Any], second: list[Any]) -> list[Any]:
    """Both lists in their own order, merged evenly: each item goes where its share of its list is reached."""
    merged, i, j = [], 0, 0
    while i < len(first) or j < len(second):
        if j >= len(second) or (i < len(first) and (i + 0.5) / len(first) <= (j + 0.5) / len(second)):
            merged.append(first[i])
            i += 1
        else:
            merged.append(second[j])
            j += 1
    return merged


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The scheduler for ``-n N`` runs of specs (``--dist loadgroup``, set by the plug-in)."""
    if LoadScopeScheduling is object or getattr(config.option, "dist", "no") != "loadgroup":
        return None
    return TargetScheduling(config, log)
