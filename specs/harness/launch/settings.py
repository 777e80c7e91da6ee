"""What every target shares: the run's settings, the spec being run, and the startup failure."""

from __future__ import annotations

import copy
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from .process_group import Limits
from .targets import TargetSpec


@dataclass(frozen=True)
class Settings:
    """Harness-wide settings (from the command line)."""

    startup_timeout: float = 10.0
    net_timeout: float = 5.0
    run_id: str = ""
    limits: Limits | None = None  # for user programs (--impl, submissions); references run without
    allow_real_network: bool = False  # --allow-real-network: URL clients that hard-code URLs run without a namespace

    def limits_for(self, spec: TargetSpec) -> Limits | None:
        """The resource limits ``spec``'s processes run under."""
        return self.limits if spec.origin == "user" else None


@dataclass(frozen=True)
class TestContext:
    """The spec being run against a target: for messages and reproduction."""

    nodeid: str
    requirement_id: str  # the requirement the spec checks ("" if none)
    repro: str


class TargetUnavailable(AssertionError):
    """The target could not be started; the message says why and how to fix it.

    ``summary`` is the one line that says why (a scenario that starts the target itself judges it);
    the judge's subclass also carries its finding (``judge/findings.py``).
    """

    def __init__(self, message: str, summary: str = "") -> None:
        super().__init__(message)
        self.summary = summary or message

    def repeated(self, note: str) -> TargetUnavailable:
        """The same failure, raised again for a later spec, its message followed by ``note``."""
        again = copy.copy(self)
        again.args = (f"{self}{note}",)
        return again


class FixedPort(Protocol):
    """Who hands out the book's fixed port: one fixed-port program at a time (``pool.TargetPool``)."""

    def claim_fixed_port(self, target: object) -> None: ...
    def release_fixed_port(self, target: object) -> None: ...
    def fixed_port(self) -> AbstractContextManager[None]: ...
