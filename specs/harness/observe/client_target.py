"""The client target every client spec receives: its runs, and what it hides from other specs.

:class:`ClientTarget` is the launching stage's :class:`~..launch.client_runs.ClientProcess` (one process
per scenario) with what the later stages add: the observations its failures hide, and URL clients that
hard-code their URL, which are run as written against the suite's own web (``url_runs.py``).
"""

from __future__ import annotations

from ..launch.client_runs import ClientProcess, ClientRun
from ..launch.settings import FixedPort, Settings, TargetUnavailable
from ..launch.targets import TargetSpec
from .ownership import Observations
from .url_runs import run_as_written


class ClientTarget(ClientProcess):
    """A client target: the handle every client spec receives."""

    def __init__(self, spec: TargetSpec, settings: Settings, pool: FixedPort) -> None:
        super().__init__(spec, settings, pool)
        self.observations = Observations(spec.role)
        self.unusable: TargetUnavailable | None = None  # why every spec fails (url_runs: it went around the proxy)

    def run(self, *, host: str = "127.0.0.1", port: int | str | None = None, url: str | None = None,
            output: str | None = None, timeout: float | None = None, path: str | None = None) -> ClientRun:
        if self.spec.hard_coded_url:
            return run_as_written(self, url or "", output, timeout)
        return super().run(host=host, port=port, url=url, output=output, timeout=timeout, path=path)
