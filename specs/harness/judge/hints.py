"""The table of common mistakes: how to recognise each, and what to tell the student.

Every hint a failure message can carry lives in ``HINTS`` below, in one place. A
spec collects :class:`Evidence` (what was expected, what arrived, how the stream
ended, what the target printed) and :func:`diagnose` returns the hints that fit.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..wire.streams import End

#: A named observation without bytes, set by the spec that made it.
Symptom = Literal["", "buffered", "serial", "framing", "spin", "client", "refused", "fetch", "link", "download",
                  "tempfile", "concurrent", "prints run together", "zombies", "fd leak", "repeated", "recognised"]
#: ``recognised``: the spec named the mistake itself (``TRANSPORT_HINTS``), from its scenario; the
#: generic hints, written for byte streams, are left out.
Phase = Literal["startup", "run"]

#: Where a Python program's KeyboardInterrupt traceback shows it was merely waiting for
#: events (an idle event loop), which is not being stuck.
_EVENT_WAITS = ("select(", "select.select", ".poll(", "poll.poll", "epoll", "selector.select", ".select(",
                "serve_forever", "run_forever", "doPoll", "doIteration", "_run_once", "run_until_complete")


@dataclass(frozen=True)
class Evidence:
    """What a spec observed; every field is optional."""

    expected: bytes | None = None
    got: bytes | None = None
    end: End | None = None
    stderr: str = ""  # the program's own stderr during this spec (not its reaction to our Ctrl-C)
    stdout: str = ""
    exit_code: int | None = None  # only when the process exited on its own (not stopped by netconform)
    phase: Phase = "run"
    symptom: Symptom = ""
    role: str = ""  # the target's role, e.g. "greeting-server"
    interrupt: str = ""  # what the program printed after netconform's Ctrl-C probe (a traceback: where it was)


def stuck_in(ev: Evidence) -> str | None:
    """The call the Ctrl-C traceback shows the program was blocked in, unless it was an idle event wait."""
    if "KeyboardInterrupt" not in ev.interrupt:
        return None
    frames = [ln.strip() for ln in ev.interrupt.split("KeyboardInterrupt")[0].splitlines() if ln.strip()]
    code = [ln for ln in frames if not ln.startswith(("File ", "Traceback", "^", "~"))]
    last = code[-1] if code else ""
    if not last or any(wait in last for wait in _EVENT_WAITS):
        return None
    return last


@dataclass(frozen=True)
class Hint:
    """A common mistake: a short name, a test for it, and the advice."""

    name: str
    applies: Callable[[Evidence], bool]
    advice: str


def _near(ev: Evidence) -> bool:
    if not ev.expected or not ev.got or ev.got == ev.expected:
        return False
    return difflib.SequenceMatcher(None, ev.expected, ev.got).ratio() >= 0.75


def _other_encoding(ev: Evidence) -> bool:
    if not ev.expected or not ev.got or ev.got == ev.expected:
        return False
    text = ev.expected.decode("latin-1")
    return any(ev.got in (text.encode(enc), text.encode(enc).rstrip(b"\0"))
               for enc in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"))


def _bytes_repr(ev: Evidence) -> bool:
    if ev.expected is None or ev.got is None:
        return False
    if b"b'" in ev.expected or b'b"' in ev.expected:
        return False
    return b"b'" in ev.got or b'b"' in ev.got


def _has(pattern: str) -> Callable[[Evidence], bool]:
    regex = re.compile(pattern)
    return lambda ev: bool(regex.search(ev.stderr) or regex.search(ev.stdout))


HINTS: tuple[Hint, ...] = (
    Hint("CPU limit", lambda ev: ev.exit_code == -24,  # SIGXCPU
         "The program used up its CPU time (--limit-cpu) and was killed with SIGXCPU. "
         "A server that waits for clients uses almost no CPU: look for a loop that spins (polling without "
         "blocking, or select/poll with a zero timeout)."),
    Hint("process limit", _has(r"process tree grew past|fork.*(Resource temporarily unavailable|errno 11)"
                               r"|BlockingIOError: \[Errno 11\]"),
         "The program started more processes than allowed (--limit-processes). A forking "
         "server forks one child per client and each child must exit when its client is done; the parent "
         "must reap them (os.waitpid, or socketserver's ForkingMixIn)."),
    Hint("memory limit", _has(r"MemoryError|Cannot allocate memory|std::bad_alloc|MB of memory, over"),
         "The program used too much memory (--limit-memory): does it "
         "keep everything every client sent, or read a whole stream into memory?"),
    Hint("python 2 syntax", _has(r"SyntaxError: Missing parentheses in call to '(print|exec)'"
                                 r"|except [\w.]+, \w+:(?s:.*)SyntaxError"),
         "The program does not compile under this interpreter. The book's programs are Python 2: run them "
         "with python2, or port them (print x becomes print(x), SocketServer becomes socketserver)."),
    Hint("syntax error", _has(r"SyntaxError|IndentationError|TabError"),
         "The program does not compile: fix the SyntaxError shown in its stderr below."),
    Hint("address in use", _has(r"Address already in use|EADDRINUSE|errno 98"),
         "The port is still taken: another program listens on it, or the book's server (which does not set "
         "SO_REUSEADDR) left connections in TIME_WAIT there for about a minute. Wait, or set "
         "socket.SO_REUSEADDR (allow_reuse_address = True with socketserver) before bind()."),
    Hint("str written to a socket", _has(r"a bytes-like object is required|can't concat str to bytes"),
         "On Python 3 a socket (and socketserver's wfile) takes bytes, not str: send b'Thank you for "
         "connecting', or 'text'.encode(). The book's Python 2 code wrote str, which Python 3 rejects with "
         "a TypeError on every connection (see the server's stderr below)."),
    Hint("attribute error", lambda ev: ev.phase == "startup" and _has(r"AttributeError")(ev),
         "The program raised AttributeError (see its stderr below): a misspelled method or module name, "
         "such as serve_forver for serve_forever."),
    Hint("bytes repr", _bytes_repr,
         "It sent the repr of a bytes object, b'...', as text. That happens when bytes are turned into "
         "str with str(data), f'{data}' or print(data). Send the bytes themselves; to print received "
         "bytes, decode them first: print(data.decode())."),
    Hint("trailing newline",
         lambda ev: bool(ev.expected and ev.got and ev.got != ev.expected
                         and ev.got.rstrip(b"\r\n") == ev.expected.rstrip(b"\r\n")),
         "There is an extra (or missing) newline at the end. The greeting is exactly "
         "b'Thank you for connecting', with no '\\n': sockets send what you give them, they are not print()."),
    Hint("encoding", _other_encoding,
         "The right text in the wrong encoding (UTF-16 or UTF-32, with its zero bytes). Encode as ASCII or "
         "UTF-8: 'Thank you for connecting'.encode() or b'Thank you for connecting'."),
    Hint("typo", _near,
         "Almost the right bytes: compare them letter by letter with the expected ones (the first "
         "difference is shown above)."),
    Hint("handle misspelled",
         lambda ev: ev.got == b"" and ev.end == "eof" and "Traceback" not in ev.stderr and ev.symptom == "",
         "The connection was closed with nothing sent. With socketserver, the request handler's method must "
         "be named handle (a method called handler is never called); otherwise make sure you send before "
         "you close."),
    Hint("waits for the client",
         lambda ev: ev.got == b"" and ev.end == "timeout" and ev.exit_code is None and ev.symptom == ""
         and ev.role == "greeting-server",
         "Nothing arrived although the connection stayed open. Does the server call recv() before sending? "
         "The greeting must be sent right after accept(), without waiting for the client."),
    Hint("never closed",
         lambda ev: bool(ev.got) and ev.end == "timeout" and ev.exit_code is None,
         "The data arrived but the connection was never closed, so a client that reads until end-of-file "
         "waits for ever. Call c.close() after sending (with socketserver, just return from handle())."),
    Hint("reset",
         lambda ev: ev.end == "reset" and ev.exit_code is None,
         "The connection was reset (RST) instead of closed. Do not set SO_LINGER to (1, 0); and note that "
         "closing a socket with unread received data also sends a reset."),
    Hint("stopped after one client",
         lambda ev: ev.exit_code is not None and ev.exit_code >= 0 and ev.phase == "run" and ev.role.endswith("-server")
         and "netconform killed it" not in ev.stderr,
         "The server process exited. A server keeps serving: put accept() in a while True: loop (or use "
         "serve_forever()), and do not let one client's error end it: catch OSError around each "
         "connection's work."),
    Hint("block-buffered output",
         lambda ev: ev.symptom == "buffered",
         "The line was printed, but only reached the pipe when the program exited: its stdout is "
         "block-buffered (C stdio on a pipe, or a Python program writing through its own buffered file). "
         "Flush after each line: print(..., flush=True) or sys.stdout.flush(); in C, fflush(stdout) or "
         "setvbuf(stdout, NULL, _IOLBF, 0)."),
    Hint("blocked in accept()",
         lambda ev: "accept(" in (stuck_in(ev) or ""),
         "The server was stuck in accept(), waiting for a new connection, while a client was sending data. "
         "With poll or select, only an event on the listening socket means a new connection: test "
         "fd == s.fileno(). The book's 'if fd in fdmap:' is true for every registered socket, clients too."),
    Hint("stuck",
         lambda ev: stuck_in(ev) is not None,
         "The program was stuck in a blocking call while clients waited: after Ctrl-C (SIGINT) its traceback "
         "(in its output below) ends in that call. A server that serves several clients must only block where "
         "it waits for all of them at once (select, poll, a thread per client)."),
    Hint("one client at a time",
         lambda ev: ev.symptom == "serial" and ev.exit_code is None,
         "The second client was ignored while the first stayed connected: the server handles one client at a "
         "time. Serve clients concurrently (select/poll/selectors, threads or ThreadingMixIn, fork or "
         "ForkingMixIn, asyncio, Twisted), or, if serving one at a time is your design, declare it with "
         "--serial NAME."),
    Hint("line framing",
         lambda ev: ev.symptom == "framing",
         "Lines are framed like Twisted's LineReceiver: only b'\\r\\n' ends a line (a bare \\n or \\r belongs "
         "to it); keep the partial line after the last delimiter and prepend it to the next recv(); print "
         "each line once, exactly as sent (no strip()), never the unterminated rest."),
    Hint("busy loop",
         lambda ev: ev.symptom == "spin",
         "The server burns CPU while nothing happens: its event loop spins. With poll(), register clients for "
         "select.POLLIN only: the default mask includes POLLOUT, which is always ready, so poll() returns at "
         "once for ever. With select(), do not pass idle sockets in the write list."),
    Hint("single recv",
         lambda ev: ev.symptom == "client" and ev.expected is not None and ev.got is not None
         and ev.got != ev.expected and bool(ev.got) and ev.expected.startswith(ev.got),
         "Only the start of the greeting was printed: one recv(n) returns whatever has arrived so far, up to n "
         "bytes, not the whole message. Call recv() in a loop until it returns b'' (the server closed), and "
         "print what you collected."),
    Hint("refused connection",
         lambda ev: ev.symptom == "refused",
         "Catch the error of connect() (ConnectionRefusedError, an OSError), print one line such as "
         "'cannot connect to HOST:PORT: connection refused' to stderr, and exit with sys.exit(1)."),
    Hint("first line only",
         lambda ev: ev.symptom == "fetch" and ev.expected is not None and ev.got is not None
         and bool(ev.got.strip()) and ev.expected.startswith(ev.got.rstrip(b"\r\n")) and ev.got != ev.expected,
         "Only the first line (or part) of the body was printed: readline() reads one line. Read the whole "
         "body with read(), or loop over the response's lines."),
    Hint("link pattern",
         lambda ev: ev.symptom == "link",
         "The book's regex, '<a href=\"([^\"]+)\" .*?>about</a>', needs re.IGNORECASE: python.org writes "
         "'About' in upper case. Beyond the book, allow single quotes, other attributes before href, or none "
         "(or use html.parser)."),
    Hint("binary mode",
         lambda ev: ev.symptom == "download",
         "Save the bytes unchanged: open the output file in binary mode ('wb') and do not decode the body "
         "(text mode translates line ends and an encoding changes bytes), or let urlretrieve() save it."),
    Hint("temporary file",
         lambda ev: ev.symptom == "tempfile",
         "urlretrieve(url) without a file name downloads to a temporary file; call urllib.request.urlcleanup() "
         "when done (in a finally:), which removes it."),
    Hint("shared state between connections",
         lambda ev: ev.symptom == "concurrent" and ev.exit_code is None,
         "Clients that come one after another may be served while clients connected at the same time are "
         "not: then connections share state that should be theirs alone, such as a global variable holding "
         "'the current connection' read by a handler thread, or one output buffer for all clients. Keep "
         "per-connection state per connection (pass the socket to the thread; a dict keyed by socket)."),
    Hint("prints run together",
         lambda ev: ev.symptom == "prints run together",
         "Lines of clients connected at the same time ran into each other, each of them intact: threads printed "
         "at the same moment. print() writes the text and then the newline, and another thread can write in "
         "between. Print under one lock shared by all threads (with print_lock: print(line)), or write each "
         "line with its newline in one call."),
    Hint("logged again and again",
         lambda ev: ev.symptom == "repeated",
         "The same client is logged as disconnected more than once: after a client leaves, its socket stays in "
         "the list select() or poll() watches, which then reports it readable for ever (recv() returns b'' each "
         "time). Remove it (inputs.remove(r), or p.unregister(fd) and del fdmap[fd]) and close it."),
    Hint("zombie children",
         lambda ev: ev.symptom == "zombies",
         "Child processes that exited are never waited for, so each stays a zombie. Reap them: "
         "os.waitpid(-1, os.WNOHANG) in a loop (for example from a SIGCHLD handler or after each accept), or "
         "use socketserver.ForkingMixIn with serve_forever(), which reaps its children."),
    Hint("sockets not closed",
         lambda ev: ev.symptom == "fd leak",
         "The server keeps file descriptors open after its clients are gone: close every accepted socket "
         "(c.close(), not only shutdown()) and drop it from your lists; with select/poll, unregister it too."),
    Hint("traceback",
         lambda ev: "Traceback" in ev.stderr,
         "The program printed a traceback: read its last lines below."),
)


def diagnose(evidence: Evidence) -> list[Hint]:
    """The hints that fit ``evidence``, most specific first (at most three)."""
    found = [hint for hint in HINTS if hint.applies(evidence)]
    if any(h.name == "python 2 syntax" for h in found):
        found = [h for h in found if h.name != "syntax error"]
    if any(h.name in ("CPU limit", "process limit", "memory limit") for h in found):
        found = [h for h in found if h.name != "stopped after one client"]
    if any(h.name == "blocked in accept()" for h in found):
        found = [h for h in found if h.name != "stuck"]
    if any(h.name in ("bytes repr", "trailing newline", "encoding") for h in found):
        found = [h for h in found if h.name not in ("typo", "link pattern", "line framing")]
    if evidence.symptom == "recognised":
        found = [h for h in found if h.name in ("CPU limit", "process limit", "memory limit")]
    if len(found) > 1:
        found = [h for h in found if h.name != "traceback"]
    return found[:3]


_REPLY_TO_SENDER = ("reply with sock.sendto(reply, addr), addr being what recvfrom() returned for this datagram "
                    "(with socketserver: self.request[1].sendto(reply, self.client_address))")

#: Mistakes of datagram and Unix socket servers, recognised by their specs themselves (the
#: scenario tells them apart: which client got no reply, after what).
TRANSPORT_HINTS: dict[str, str] = {
    "a child removes the socket file": "a forked child inherits the parent's atexit handlers and finally blocks: "
        "ended with sys.exit() (or by returning), it runs them, and os.unlink(path) there removes the parent's "
        "socket file. End a child with os._exit() (as ForkingMixIn does), or unlink only where os.getpid() is "
        "the pid that bound the path.",
    "empty address taken for an error": "accept() returns the address '' for a Unix client that bound no path "
        "(most clients do not bind one). That is not a failed accept: greet and log such a client like any "
        "other, printing its address as it is.",
    "stream handler on a datagram server": "StreamRequestHandler (and self.request.getpeername()) belong to "
        "TCPServer. On UDPServer self.request is a tuple (data, socket) and the peer is self.client_address: use "
        "DatagramRequestHandler (write the reply to self.wfile) or BaseRequestHandler and " + _REPLY_TO_SENDER,
    "reply not sent to the sender": "No datagram reached this client's own address. Do not reply to the "
        "server's own address (getsockname()) or to an earlier client, and do not connect() the server's socket "
        "to one client: " + _REPLY_TO_SENDER,
    "empty datagram taken for end-of-file": "recvfrom() returning b'' is an empty datagram, not a closed "
        "connection: datagrams have no end-of-file. Do not stop (or skip the reply) when the data is empty.",
    "receive buffer too small": "a read of a datagram keeps its first bytes and drops the rest when the buffer "
        "is smaller (recvfrom(10)). Read with a buffer of at least 65507 bytes (recvfrom(65535)); with "
        "socketserver set max_packet_size = 65535 (8192 by default).",
    "shared reply address": "the reply goes to an address kept where every request shares it (a global, an "
        "attribute of the server): with threads, a later datagram overwrites it before the reply is sent. Use "
        "the address of the datagram being answered.",
    "send error to a departed client": "sendto() to a client that has gone can fail (ECONNREFUSED; over Unix datagrams "
        "ENOENT or ECONNREFUSED once its path is removed). Catch OSError around the reply and go on serving.",
    "reply to a client without an address": "a Unix datagram client that bound no path has no address: recvfrom() "
        "gives None (or ''), and sendto(reply, None) raises TypeError. Skip the reply when the address is empty.",
    "busy receive loop": "the server burns CPU while no datagram arrives: it calls recvfrom() on a non-blocking socket "
        "in a loop (catching BlockingIOError), or waits for the socket to be writable, which a datagram socket always "
        "is. Let recvfrom() block, or wait with select() for the socket to be readable only.",
}

#: Mistakes in quoting functions. The quoting specs recognise them differentially (the
#: reference called with other arguments gives what the target gave: e.g. Latin-1 instead
#: of UTF-8, ``doseq`` flipped) and name them with these keys.
QUOTING_HINTS: dict[str, str] = {
    "lower-case hex": "percent-escapes use upper-case hex digits, as urllib.parse does: '%C3%A9', not '%c3%a9' "
                      "(RFC 3986 section 2.1). Format each byte with '%{:02X}'.format(b) or f'%{b:02X}'.",
    "~ unreserved": "'~' is unreserved since Python 3.7 / RFC 3986: it stays literal and does not become %7E "
                    "(Python 2 and 3.6 escaped it).",
    "quote_plus spaces": "quote_plus must turn spaces into '+', not '%20' (that is what quote does): quote with "
                         "' ' added to safe, then replace ' ' by '+'. urlencode quotes with quote_plus.",
    "encode as UTF-8": "encode as UTF-8 before escaping: quote('é') == '%C3%A9'; '%E9' is the Latin-1 byte.",
    "decode as UTF-8": "decode the unescaped bytes as UTF-8: unquote('%C3%A9') == 'é'; Latin-1 gives 'Ã©'.",
    "safe ignored": "the safe argument was ignored: characters in safe stay literal and safe replaces the "
                    "default, e.g. quote('a@b/c', safe='@') == 'a@b%2Fc'.",
    "safe adds to unreserved": "safe adds to the unreserved characters (letters, digits, '-._~'), which always "
                               "stay literal: quote('a-b', safe='-') == 'a-b'. Keep a byte that is unreserved or in "
                               "safe (a union, not a symmetric difference).",
    "safe is ASCII": "quote escapes the UTF-8 bytes, and only ASCII characters of safe count: "
                     "quote('é', safe='é') == '%C3%A9' (a bytes safe keeps its bytes below 128 only).",
    "bytes safe": "safe may be bytes as well as str: quote_plus('a b/', safe=b'/') == 'a+b/'. Add a space of the "
                  "same type (b' ' to bytes) before quoting.",
    "urlencode non-pairs": "urlencode takes a mapping or a sequence of (key, value) tuples: for anything else (a "
                           "str, a list of strings or lists) it raises TypeError('not a valid non-string sequence or "
                           "mapping object'). Check that the first item is a tuple before unpacking.",
    "malformed escapes": "malformed escapes pass through unchanged: unquote('%') == '%', unquote('%zz') == '%zz', "
                         "unquote('%2') == '%2'; only '%' followed by two hex digits is decoded, and nothing raises.",
    "invalid UTF-8": "invalid or truncated UTF-8 becomes U+FFFD (errors='replace' is the default): "
                     "unquote('%e2%82') == '\\ufffd'; it does not raise.",
    "unquote_plus '+'": "unquote_plus turns '+' into a space, then decodes the escapes: "
                        "unquote_plus('a+b%2B') == 'a b+'.",
    "unquote keeps '+'": "unquote leaves '+' as it is (only unquote_plus makes it a space).",
    "doseq": "doseq=True expands a list or tuple value into one key=value pair per element "
             "(urlencode({'a': ['1', '2']}, doseq=True) == 'a=1&a=2'); with doseq=False the value is str()-ed "
             "('a=%5B%271%27%2C+%272%27%5D').",
    "not a str": "return a str, as urllib.parse does (not bytes or another type).",
    "signature": "accept the same parameters as urllib.parse: quote(string, safe='/', encoding=None, errors=None), "
                 "quote_plus(string, safe='', ...), unquote(string, encoding='utf-8', errors='replace'), "
                 "urlencode(query, doseq=False, safe='', ...).",
}
