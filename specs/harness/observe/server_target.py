"""The server target every server spec receives: its process, what it hides, and how its failures read.

:class:`ServerTarget` is the launching stage's :class:`~..launch.server.ServerProcess` (start, restart,
stop) with the answers that stage leaves to later ones: a start that failed becomes the judge's message
and finding; a process that stopped serving is weighed against the observation "serving" (the
requirement that owns it fails, the others are blocked), and a logger that exited when a client left
against "departure survived" (DISC-1's: a spec before it gets a fresh process), a Unix socket file gone while
the server runs against "socket path kept" (UNIX-4's, alike); and a logger's departed
clients are let be logged as gone (``departures``) before the next client comes.
"""

from __future__ import annotations

import socket
from typing import NoReturn

from ..judge import matchers
from ..judge.findings import Unavailable
from ..judge.hints import Evidence
from ..launch.server import ServerProcess
from ..launch.settings import FixedPort, Settings, TestContext
from ..launch.targets import TargetSpec
from ..wire.streams import Client
from .departures import Departures
from .ownership import Observation, Observations, owner_of


class ServerTarget(ServerProcess):
    """A server target: the handle every server spec receives."""

    def __init__(self, spec: TargetSpec, settings: Settings, pool: FixedPort) -> None:
        super().__init__(spec, settings, pool)
        self.observations = Observations(spec.role)
        self.departures = Departures()
        self._path_restarted = False  # this spec's process was started afresh once because its socket file was gone

    # -- what this target hides from specs that merely observe (see ownership.py) ------
    def hide(self, what: Observation, owner: str, why: str) -> None:
        """``owner`` (a requirement) failed in a way that leaves ``what`` unobservable on this target."""
        self.observations.hide(what, owner, why)

    def require(self, what: Observation) -> None:
        """Block the current spec (not judged) if ``what`` was found unobservable by another requirement."""
        __tracebackhide__ = True
        self.observations.require(what, self.requirement_id)

    @property
    def logs_departures(self) -> bool:
        """Does this target log its clients' departures (as far as seen: DISC-1 judges it)?"""
        hidden = self.observations.hidden
        return self.departures.logged and "disconnection line" not in hidden and "departure survived" not in hidden

    def owns(self, what: Observation) -> bool:
        """Does the current spec's requirement own observation ``what``?"""
        return self.observations.owns(what, self.requirement_id)

    # -- the launching stage's questions ----------------------------------------------
    def begin_test(self, context: TestContext) -> None:
        super().begin_test(context)
        self._path_restarted = False
        if self.group is None:  # a new process for this spec: none of its clients left yet
            self.departures.forget()

    def start_afresh(self, why: str) -> None:
        super().start_afresh(why)
        self.departures.forget()

    def end_test(self, *, failed: bool = False) -> None:
        super().end_test(failed=failed)
        self.departures.close_all()
        self._let_departures_be_logged()

    def _let_departures_be_logged(self) -> None:
        """Before a new client of a logger: let the clients that left be logged as gone (``departures``)."""
        self.departures.note_closed()
        if (self.spec.role != "greeting-server" and self.group is not None and self.group.alive
                and "disconnection line" not in self.observations.hidden):
            self.departures.wait_logged(self.group.output)

    def connecting(self) -> None:
        """Before a new client of a logger: its departed clients logged as gone; and if the process exited when
        one of them left, that exit is DISC-1's evidence ("departure survived"). Another spec is blocked once
        DISC-1 found it; before that, it gets a fresh process and goes on with its own evidence."""
        __tracebackhide__ = True
        if "socket path kept" in self.observations.hidden:  # UNIX-4 saw the path go after a client: any client now
            self.require("socket path kept")  # may find it gone (or not yet): not judged, every time alike
        self._let_departures_be_logged()
        if self.group is None or self.context is None or not self.departures.left or self.departures.open:
            return
        if self._clients == 0:
            return  # its clients were an earlier spec's: an exit as this spec began is started afresh (launch)
        if self.group.alive and not self.group.output.closed:
            return
        self.group.wait_exit(1.0)
        code = self.exited_on_its_own
        if code is None or self.owns("departure survived") or owner_of("departure survived", self.spec.role) is None:
            return  # the owner's own spec: the next client's refusal is its evidence
        self.require("departure survived")
        self.start_afresh(f"the process had exited with code {code} after a client left (whether a logger "
                          "survives its clients' departures is DISC-1's to judge)")

    def path_lost(self) -> bool:
        """A client found no socket file at the path while the server runs: UNIX-4's evidence ("socket path kept").
        Another spec is blocked once UNIX-4 found it; before that, it gets a fresh process (once) and goes on."""
        __tracebackhide__ = True
        if self.group is None or not self.group.alive or self.owns("socket path kept") or self._path_restarted:
            return False
        self.require("socket path kept")
        self._path_restarted = True
        self.start_afresh("its socket file was gone while it ran (whether the file stays is UNIX-4's to judge)")
        return True

    def connected(self, client: Client, mark: int) -> None:
        self.departures.add(client, mark)

    def unavailable(self, reason: str) -> Unavailable:
        evidence = Evidence(phase="startup")
        if self.group is not None:
            evidence = Evidence(phase="startup", stderr=self.stderr_text(), stdout=self.stdout_text(),
                                exit_code=self.group.returncode)
        return Unavailable(*matchers.startup_failure(self, reason, evidence))

    def exited_during_spec(self) -> NoReturn:
        __tracebackhide__ = True
        if self.exited_on_its_own is not None:
            self.require("serving")  # it stops after serving a client: GREET-5's failure, if it found it
        matchers.fail(self, "the server process exited during this spec")

    def connection_failed(self, error: OSError) -> NoReturn:
        __tracebackhide__ = True
        if isinstance(error, socket.timeout) and self.spec.concurrent:
            self.require("concurrent clients")  # not accepted: a server CONC-1 found serving one client at a time
        if self.exited_on_its_own is not None:  # it stopped serving: whose failure is that?
            if self.owns("serving"):
                self.hide("serving", self.requirement_id, "the server process exits instead of serving the next "
                          f"client (exit status {self.exited_on_its_own})")
            self.require("serving")
        matchers.connect_failed(self, error)
