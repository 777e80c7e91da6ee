"""Capturing a target's stdout and stderr, and waiting for log lines by event.

Two reader threads drain the pipes into one timeline of lines. Specs never sleep
waiting for output: they call :meth:`Output.wait_for` with a predicate and a
timeout, and get a message that says what was awaited and what was seen instead.

Reading never depends on an end-of-file that may not come: a process that escaped the
target (``setsid()``) can hold its pipes open forever. Each reader waits on its pipe
*and* on a wake-up pipe; :meth:`Output.stop_reading` (called once the target is gone)
makes it take what is already there and stop.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

#: Keep at most this many bytes of output per target; older lines are dropped.
DEFAULT_CAP = 4 * 1024 * 1024


@dataclass(frozen=True)
class Line:
    """One line of output: when it arrived, from which stream, its bytes (no newline)."""

    index: int
    time: float
    stream: str
    data: bytes  # exactly as printed, without the b"\n" (a b"\r" before it is kept)
    #: ``data`` decoded as UTF-8 (undecodable bytes shown as ``\\xNN``), a trailing CR dropped: decoded once, as
    #: the line arrives (a spec's waits look at each line many times)
    text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.data.decode("utf-8", "backslashreplace").removesuffix("\r"))


class OutputTimeout(AssertionError):
    """The awaited line did not appear in time."""


class Output:
    """The captured output of one process (group): a list of lines, appended live."""

    def __init__(self, cap: int = DEFAULT_CAP, *, first_index: int = 0) -> None:
        self._cap = cap
        self._lines: list[Line] = []
        self._first = first_index  # absolute index of self._lines[0] (a restarted program's go on from the last's)
        self._size = 0
        self._partial: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._partial_since: dict[str, float | None] = {"stdout": None, "stderr": None}
        self._raw: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._open = 0
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._wake_r, self._wake_w = -1, -1  # the wake-up pipe (made by the first attach)
        self.dropped = 0

    # -- feeding ---------------------------------------------------------
    def attach(self, stream: str, pipe: IO[bytes]) -> None:
        """Start draining ``pipe`` (a process's stdout or stderr) into this output."""
        with self._cond:
            self._open += 1
            if self._wake_r < 0:
                self._wake_r, self._wake_w = os.pipe()
        thread = threading.Thread(target=self._drain, args=(stream, pipe.fileno()), daemon=True,
                                  name=f"output-{stream}")
        thread.start()
        self._threads.append(thread)

    def _drain(self, stream: str, fd: int) -> None:
        """Read ``fd`` until end-of-file, or until woken: then take what is there without waiting, and stop."""
        poller, alone = select.poll(), select.poll()
        poller.register(fd, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        alone.register(fd, select.POLLIN)
        stopping, left = False, 64  # once woken: at most 64 more reads (a leftover process may write on)
        try:
            while True:
                if not stopping:
                    ready = dict(poller.poll())
                    stopping = self._wake_r in ready
                    if fd not in ready:
                        continue
                elif left <= 0 or not alone.poll(0):
                    break  # woken, and nothing more is waiting
                left -= stopping
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                self.feed(stream, chunk)
        except (OSError, ValueError):
            pass
        finally:
            self.feed(stream, b"", eof=True)

    def stop_reading(self, timeout: float = 1.0) -> bool:
        """Stop the readers (the target is gone; a process that escaped it may hold its pipes): each takes
        what is already in its pipe, then stops. True if they all stopped within ``timeout``."""
        if self._wake_w >= 0:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        stopped = not any(t.is_alive() for t in self._threads)
        if stopped:
            for fd in (self._wake_r, self._wake_w):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._wake_r = self._wake_w = -1
        return stopped

    def feed(self, stream: str, chunk: bytes, *, eof: bool = False) -> None:
        """Add raw bytes from ``stream``; complete lines become :class:`Line` objects."""
        now = time.monotonic()
        with self._cond:
            raw = self._raw[stream]
            if len(raw) < self._cap:
                raw += chunk[: self._cap - len(raw)]
            buf = self._partial[stream]
            if chunk and not buf:
                self._partial_since[stream] = now
            buf += chunk
            *complete, rest = bytes(buf).split(b"\n")
            if eof and rest:
                complete.append(rest)
                rest = b""
            for data in complete:
                self._append(Line(self._first + len(self._lines), now, stream, data))
            self._partial[stream] = bytearray(rest)
            if not rest:
                self._partial_since[stream] = None
            if eof:
                self._open -= 1
            self._cond.notify_all()

    def note(self, text: str) -> None:
        """Add a line from the harness itself (stream ``netconform``), e.g. why it killed the target."""
        with self._cond:
            index = self._first + len(self._lines)
            self._append(Line(index, time.monotonic(), "netconform", text.encode()))
            self._cond.notify_all()

    def _append(self, line: Line) -> None:
        self._lines.append(line)
        self._size += len(line.data) + 1
        while self._size > self._cap and self._lines:
            old = self._lines.pop(0)
            self._size -= len(old.data) + 1
            self._first += 1
            self.dropped += 1

    # -- reading ---------------------------------------------------------
    def mark(self) -> int:
        """The index the next line will have: pass it to ``lines``/``wait_for`` as ``since``."""
        with self._cond:
            return self._first + len(self._lines)

    def lines(self, since: int = 0, stream: str | None = "stdout") -> list[Line]:
        """Lines from index ``since`` on, of one stream (or both when ``stream`` is None)."""
        with self._cond:
            start = max(0, since - self._first)
            return [ln for ln in self._lines[start:] if stream is None or ln.stream == stream]

    def raw(self, stream: str = "stdout") -> bytes:
        """Everything received on ``stream``, byte for byte (its first ``cap`` bytes)."""
        with self._cond:
            return bytes(self._raw[stream])

    def partial(self, stream: str = "stdout") -> bytes:
        """Bytes received on ``stream`` that no newline has ended yet."""
        with self._cond:
            return bytes(self._partial[stream])

    @property
    def closed(self) -> bool:
        """True once every attached pipe reached end-of-file."""
        with self._cond:
            return self._open == 0 and bool(self._threads)

    def wait_for(
        self,
        predicate: Callable[[Line], bool],
        *,
        what: str,
        since: int = 0,
        timeout: float = 5.0,
        stream: str | None = "stdout",
    ) -> Line:
        """Wait until a line from ``since`` on satisfies ``predicate``; return it.

        Raises :class:`OutputTimeout` naming ``what`` was awaited and showing the lines
        that did arrive.
        """
        start = time.monotonic()
        deadline = start + timeout
        checked = since
        with self._cond:
            while True:
                for line in self._lines[max(0, checked - self._first):]:
                    if (stream is None or line.stream == stream) and predicate(line):
                        return line
                checked = self._first + len(self._lines)
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self._open == 0 and self._threads):
                    break
                self._cond.wait(min(remaining, 0.5))
        seen = self.lines(since, stream)
        shown = "\n".join(f"    {ln.text}" for ln in seen[-10:]) or "    (nothing)"
        ended = " until the process's output closed (it exited)" if self.closed else ""
        raise OutputTimeout(f"waited {time.monotonic() - start:.1f}s for {what}{ended}; lines seen since:\n{shown}")

    def wait_closed(self, timeout: float) -> bool:
        """Wait until every pipe is closed (the process and its children exited)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self._open == 0 and self._threads):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def tail(self, n: int = 15, stream: str | None = None) -> str:
        """The last ``n`` lines (both streams by default), for failure messages."""
        lines = self.lines(0, stream)[-n:]
        text = "\n".join(f"    [{ln.stream}] {ln.text}" if stream is None else f"    {ln.text}" for ln in lines)
        for name in ("stdout", "stderr"):
            rest = self.partial(name)
            if rest and stream in (None, name):
                text += f"\n    [{name}, no newline yet] {rest[-300:].decode('utf-8', 'backslashreplace')}"
        return text.lstrip("\n") or "    (nothing)"
