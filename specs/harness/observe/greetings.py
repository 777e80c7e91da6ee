"""Observing that a greeting server greets: what a lone client gets, and whether others get the same.

GREET-1 owns the greeting's exact bytes, GREET-2 that it comes unprompted, GREET-3/4 the
close. The serving specs (GREET-5 to GREET-8, GREET-10) judge only whether clients are
served, so for them "greeted" means: receiving what a lone client receives. That reply
is learned once per target by :func:`lone_exchange`: a client connects and reads; if
nothing at all comes and the connection stays open, it sends a line (a server that waits
for its client, GREET-2's failure, then answers) and reads again. A greeting in another
encoding, with a newline, or after a prompt is then still recognised as a greeting.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ..judge.hints import Symptom
from ..judge.matchers import expect_bytes
from ..wire.streams import Client, End, Received
from .server_target import ServerTarget

#: Once the greeting arrived, how long to wait for more bytes or for the close.
SETTLE = 1.0
#: What a lone client sends to a server that says nothing until it hears from its client.
PROMPT = b"hello\r\n"


@dataclass(frozen=True)
class Exchange:
    """What a lone client experienced: what it had to send first, what it received, how the read ended."""

    prompt: bytes  # b"" when the server spoke first, as it should
    reply: bytes
    end: End

    @property
    def closes(self) -> bool:
        """Did the server close the lone client's connection?"""
        return self.end in ("eof", "reset")


def converse(target: ServerTarget, client: Client, *, close_timeout: float | None = None) -> Exchange:
    """Run a lone client's exchange on ``client``; ``close_timeout``: how long to wait for the close."""
    got = client.read(timeout=SETTLE, settle=SETTLE)
    prompt = b""
    if not got.data and got.end == "timeout":
        prompt = PROMPT
        client.send(prompt)
        got = client.read(timeout=target.settings.net_timeout, settle=SETTLE)
    if got.end == "timeout" and got.data and close_timeout:
        more = client.read(timeout=close_timeout)
        got = Received(got.data + more.data, more.end, got.elapsed + more.elapsed)
    return Exchange(prompt, got.data, got.end)


_LONE: weakref.WeakKeyDictionary[ServerTarget, Exchange] = weakref.WeakKeyDictionary()


def lone_exchange(target: ServerTarget) -> Exchange:
    """What a lone client gets from this target (learned once, on a connection of its own)."""
    __tracebackhide__ = True
    known = _LONE.get(target)
    if known is not None:
        return known
    with target.client("lone client") as client:
        exchange = converse(target, client)
    if not exchange.reply and exchange.end == "timeout":
        target.hide("serving", "GREET-1", "a lone client receives nothing, even after sending a line")
    if target.exited_on_its_own is None:
        _LONE[target] = exchange
    return exchange


class Greeter:
    """Checks that clients are greeted as a lone client is, for the specs about serving."""

    def __init__(self, target: ServerTarget, symptom: Symptom = "") -> None:
        __tracebackhide__ = True
        self.target = target
        self.symptom = symptom
        target.require("serving")
        self.exchange = lone_exchange(target)
        target.require("serving")
        self.wait_for_close = SETTLE if self.exchange.closes else 0.0

    def connect(self, label: str) -> Client:
        """A new client; it says what a lone client had to say first (if anything)."""
        __tracebackhide__ = True
        client = self.target.client(label)
        if self.exchange.prompt:
            client.send(self.exchange.prompt)
        return client

    def greeted(self, got: Received) -> bool:
        """Did a client that received ``got`` get what a lone client gets?

        Read to the close, the bytes must be the lone client's; read only that far, they must
        start with them. A server that closes with a reset (GREET-4's failure) may have the reset
        overtake its greeting: when a lone client saw a reset too, a reset after any part of it counts.
        """
        reply = self.exchange.reply
        if got.end == "reset" and self.exchange.end == "reset" and reply.startswith(got.data):
            return True
        if not reply:
            return got.closed
        return got.data == reply if got.closed else got.data[: len(reply)] == reply

    def read(self, client: Client) -> Received:
        """What ``client`` receives, read as a lone client's reply was: to the close if the server
        closed that one, else just as many bytes (a server that never closes costs no wait)."""
        reply = self.exchange.reply
        if self.exchange.closes:
            return client.read(settle=SETTLE)
        return client.read(at_least=len(reply)) if reply else client.read()

    def expect(self, got: Received, what: str) -> None:
        """What a client received, ``got``, must be what a lone client receives."""
        __tracebackhide__ = True
        if not self.greeted(got):
            expect_bytes(self.target, got, self.exchange.reply, what=what, symptom=self.symptom)

    def expect_greeting(self, client: Client, what: str) -> None:
        """``client`` must receive what a lone client receives (its exact bytes are GREET-1's business)."""
        __tracebackhide__ = True
        reply = self.exchange.reply
        got = client.read(at_least=len(reply)) if reply else client.read()
        self.expect(got, what)
        waited = got.end == "limit" and self.wait_for_close
        if waited and client.read(timeout=self.wait_for_close).end == "timeout":
            self.wait_for_close = 0
        if not client.saw_eof:
            client.abort()
