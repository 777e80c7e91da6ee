"""Assertions for specs, with messages a student can act on.

Every failure says which requirement failed and what it means, what was expected
and what happened (bytes shown exactly, with the first difference), the likely
mistake from :mod:`specs.harness.judge.hints`, the wire transcript of the scenario, the
target's recent output, and the command that reproduces it. Helpers hide their own
frames (``__tracebackhide__``) so pytest points at the spec's line.
"""

from __future__ import annotations

import dataclasses
import socket
import textwrap
from typing import TYPE_CHECKING, Any, NoReturn, Protocol

from ..wire.streams import Received, describe
from . import findings, requirements
from .findings import Finding
from .hints import Evidence, Symptom, diagnose

if TYPE_CHECKING:
    from ..launch.settings import TestContext
    from ..launch.targets import TargetSpec
    from ..wire.streams import Transcript


class Target(Protocol):
    """What a failure message needs from a target, server or client."""

    spec: TargetSpec
    context: TestContext | None
    transcript: Transcript

    @property
    def exit_code(self) -> int | None: ...
    @property
    def exited_on_its_own(self) -> int | None: ...
    def interrupt_text(self) -> str: ...
    def stderr_text(self, n: int = 30) -> str: ...
    def stdout_text(self, n: int = 30) -> str: ...
    def output_tail(self) -> str: ...


def first_difference(expected: bytes | str, got: bytes | str) -> str:
    """``first difference at byte 24: expected end of data, got b'\\n'`` (for text: ``at character``)."""
    unit, width = ("byte", 1) if isinstance(expected, bytes) else ("character", 6)
    for i, (a, b) in enumerate(zip(expected, got, strict=False)):
        if a != b:
            return f"first difference at {unit} {i}: expected {expected[i:i + width]!r}, got {got[i:i + width]!r}"
    if len(got) > len(expected):
        return f"first difference at {unit} {len(expected)}: expected end of data, got {got[len(expected):][:20]!r}"
    if len(got) < len(expected):
        return f"first difference at {unit} {len(got)}: expected {expected[len(got):][:20]!r}, got end of data"
    return "no difference"


def _indent(text: str, prefix: str = "    ") -> str:
    return textwrap.indent(text, prefix)


def cause_of(evidence: Evidence, summary: str) -> str:
    """The observed cause of a failure, the same text for failures that share it (reports group by it)."""
    if evidence.phase == "startup":
        return f"could not start: {summary}"
    if evidence.exit_code is not None and evidence.role.endswith("-server"):
        return f"the server process exited with code {evidence.exit_code}"
    if evidence.got is not None and evidence.expected is not None and evidence.got != evidence.expected:
        return f"received {describe(evidence.got, 80)}"
    if evidence.symptom:
        return evidence.symptom
    return summary


def compose(
    target: Target,
    summary: str,
    *,
    expected: str | None = None,
    got: str | None = None,
    evidence: Evidence | None = None,
    details: str | None = None,
) -> tuple[str, Finding]:
    """The whole message (see the module docstring for its parts) and its typed :class:`Finding`."""
    settle = getattr(target, "settle_output", None)
    if settle is not None:
        nothing_or_cut = evidence is None or evidence.end in ("reset", "timeout") or not evidence.got
        settle(suspicious=nothing_or_cut and (evidence is None or evidence.symptom == ""))
    ctx = target.context
    lines: list[str] = []
    if ctx is not None and ctx.requirement_id:
        req = requirements.get(ctx.requirement_id)
        lines.append(f"{req.id} ({req.level}) not met: {summary}")
        lines.append(f"  requirement: {req.text}")
    else:
        lines.append(summary)
    spec = target.spec
    lines.append(f"  target: {spec.name} ({spec.role_shown}, {spec.origin}): {spec.command_line}")
    if expected is not None:
        lines.append(f"  expected: {expected}")
    if got is not None:
        lines.append(f"  got:      {got}")
    if details:
        lines.append(_indent(details, "  "))
    ev = evidence or Evidence()
    now = ev.phase != "startup"  # a start that failed (a scenario's) is judged on its own evidence, not on
    # what the process running now printed (a traceback an earlier spec's client caused, printed late)
    ev = dataclasses.replace(ev, stderr=ev.stderr or (target.stderr_text() if now else ""),
                             stdout=ev.stdout or (target.stdout_text() if now else ""), role=target.spec.role,
                             interrupt=ev.interrupt or (target.interrupt_text() if now else ""),
                             exit_code=target.exited_on_its_own if ev.exit_code is None and now else ev.exit_code)
    hints = diagnose(ev)
    for hint in hints:
        advice = textwrap.fill(hint.advice, width=96, initial_indent="    ", subsequent_indent="    ")
        lines.append(f"  likely mistake ({hint.name}):\n{advice}")
    if target.transcript.events:
        lines.append("  wire transcript:\n" + _indent(target.transcript.render(), "  "))
    lines.append("  target output (last lines):\n" + _indent(target.output_tail(), "  "))
    if ev.exit_code is not None and target.spec.role.endswith("-server"):
        lines.append(f"  the target process has exited with code {ev.exit_code}")
    if ctx is not None and ctx.repro:
        lines.append(f"  reproduce: {ctx.repro}")
    finding = Finding(summary, cause_of(ev, summary), tuple(h.name for h in hints))
    return "\n".join(lines), finding


def startup_failure(target: Target, reason: str, evidence: Evidence) -> tuple[str, Finding]:
    """The message (and finding) of a target that could not be started: every spec of it fails with it."""
    spec = target.spec
    verb = "reached" if spec.port_policy == "external" else "started"
    lines = [f"target {spec.name!r} ({spec.role_shown}) could not be {verb}: {reason}",
             f"  command: {spec.command_line}"]
    hints = diagnose(evidence)
    lines += [f"  likely mistake ({hint.name}): {hint.advice}" for hint in hints]
    if spec.port_policy != "external":
        lines.append("  its output (last lines):\n" + _indent(target.output_tail(), "  "))
    summary = f"could not be {verb}: {reason}"
    return "\n".join(lines), Finding(summary, summary, tuple(h.name for h in hints))


def failure_message(target: Target, summary: str, **kwargs: Any) -> str:
    """The message :func:`fail` would give (for callers that raise it themselves)."""
    return compose(target, summary, **kwargs)[0]


def fail(target: Target, summary: str, **kwargs: Any) -> NoReturn:
    """Fail the current spec with the message of :func:`compose`, leaving its :class:`Finding`."""
    __tracebackhide__ = True
    findings.fail(*compose(target, summary, **kwargs))


def expect_bytes(target: Target, received: Received, expected: bytes, *, what: str, symptom: Symptom = "") -> None:
    """``received.data`` must equal ``expected`` exactly (``symptom``: see ``hints.Evidence``)."""
    __tracebackhide__ = True
    if received.data == expected:
        return
    fail(
        target,
        f"{what} is not the expected bytes",
        expected=describe(expected),
        got=f"{describe(received.data)}, {received.describe_end()}",
        details=first_difference(expected, received.data) if received.data else None,
        evidence=Evidence(expected=expected, got=received.data, end=received.end, symptom=symptom),
    )


def expect_end(target: Target, received: Received, allowed: tuple[str, ...], *, summary: str,
               expected: str) -> None:
    """The read must have ended in one of ``allowed`` (``eof``, ``reset``, ``timeout``...)."""
    __tracebackhide__ = True
    if received.end in allowed:
        return
    fail(target, summary, expected=expected, got=f"{describe(received.data)}, {received.describe_end()}",
         evidence=Evidence(got=received.data, end=received.end))


def connect_failed(target: Target, exc: OSError) -> NoReturn:
    """A connection attempt failed: explain whether the server is gone or just not accepting."""
    __tracebackhide__ = True
    if isinstance(exc, ConnectionRefusedError):
        why = "the connection was refused: nothing listens on that port any more"
    elif isinstance(exc, socket.timeout):
        why = "the connection was not accepted in time (is the server stuck in a previous client?)"
    else:
        why = f"connecting failed: {exc}"
    fail(target, why, evidence=Evidence(phase="run"))


def fail_with(target: Target, summary: str, hints: dict[str, str], *, cause: str | None = None,
              **kwargs: Any) -> NoReturn:
    """:func:`fail`, adding hints the spec recognised itself (``{name: advice}``) to the message and the finding."""
    __tracebackhide__ = True
    named = "\n".join(f"likely mistake ({name}): {advice}" for name, advice in hints.items())
    details = "\n".join(part for part in (kwargs.pop("details", None), named) if part) or None
    message, finding = compose(target, summary, details=details, **kwargs)
    findings.fail(message, dataclasses.replace(finding, cause=cause or finding.cause, hints=(*hints, *finding.hints)))
