"""Unit tests of the harness helpers (no targets: in-memory data and socketpairs)."""

from __future__ import annotations

import select
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netconform.specs.harness.judge import hints, requirements
from netconform.specs.harness.judge.matchers import first_difference
from netconform.specs.harness.launch.targets import ImplSyntaxError, parse_impl, parse_impls
from netconform.specs.harness.observe import address_forms as addresses
from netconform.specs.harness.platform import socket_tables
from netconform.specs.harness.wire.captured_output import Output, OutputTimeout
from netconform.specs.harness.wire.streams import Client, NotLoopback, is_loopback

GREETING = b"Thank you for connecting"


def test_spec_md_parses_into_unique_ids_with_levels() -> None:
    reg = requirements.registry()
    assert reg["GREET-1"].level == "MUST"
    assert reg["GREET-8"].level == "SHOULD"
    assert all(r.level in requirements.LEVELS for r in reg.values())


def test_duplicate_requirement_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        requirements.parse("| A-1 | MUST | x |\n| A-1 | SHOULD | y |\n")


@pytest.mark.parametrize(("value", "role", "name", "policy"), [
    ("greeting-server=python3 my_server.py {port}", "greeting-server", "my_server", "assigned"),
    ("greeting-server=python2 book_server.py", "greeting-server", "book_server", "fixed"),
    ("greeting-server:alice=python3 -m alice.server --port {port}", "greeting-server", "alice", "assigned"),
    ("greeting-server=python3 -m pkg.srv {port}", "greeting-server", "srv", "assigned"),
])
def test_impl_values_parse(value: str, role: str, name: str, policy: str) -> None:
    spec = parse_impl(value)
    assert (spec.role, spec.name, spec.port_policy) == (role, name, policy)


def test_python2_commands_need_the_python2_capability() -> None:
    assert parse_impl("greeting-server=python2 a.py").needs == ("python2",)
    assert parse_impl("greeting-server=python3 a.py {port}").needs == ()


@pytest.mark.parametrize("value", ["greeting-server", "greeter=python3 x.py", "greeting-server=", "x=y 'unclosed"])
def test_bad_impl_values_say_how_to_write_them(value: str) -> None:
    with pytest.raises(ImplSyntaxError, match="--impl"):
        parse_impl(value)


def test_duplicate_impl_names_are_made_unique() -> None:
    specs = parse_impls(["greeting-server=python3 s.py {port}", "greeting-server=python3 other/s.py {port}"])
    assert [s.name for s in specs] == ["s", "s-2"]


def test_output_splits_lines_and_waits_for_them() -> None:
    out = Output()
    out.feed("stdout", b"Got connection from ('127.0.0.1', 5)\npart")
    out.feed("stdout", b"ial\r\n")
    out.feed("stderr", b"oops\n")
    assert [ln.text for ln in out.lines()] == ["Got connection from ('127.0.0.1', 5)", "partial"]
    mark = out.mark()
    threading.Timer(0.05, out.feed, ("stdout", b"late\n")).start()
    assert out.wait_for(lambda ln: ln.text == "late", what="late", since=mark, timeout=5).text == "late"


def test_output_timeout_says_what_was_awaited_and_what_came() -> None:
    out = Output()
    out.feed("stdout", b"something else\n")
    with pytest.raises(OutputTimeout, match=r"(?s)waited 0.1s for the line.*something else"):
        out.wait_for(lambda ln: False, what="the line", timeout=0.1)


def test_output_keeps_a_bounded_tail() -> None:
    out = Output(cap=100)
    for i in range(100):
        out.feed("stdout", b"%d\n" % i)
    assert out.lines()[-1].text == "99"
    assert out.dropped > 0
    assert sum(len(ln.data) + 1 for ln in out.lines()) <= 100


@pytest.mark.parametrize(("host", "ok"), [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
                                          ("192.0.2.1", False), ("10.0.0.1", False), ("example.com", False)])
def test_only_loopback_is_loopback(host: str, ok: bool) -> None:
    assert is_loopback(host) is ok


def test_client_refuses_non_loopback_without_sending_anything() -> None:
    with pytest.raises(NotLoopback):
        Client(("192.0.2.1", 1234), timeout=1)


def test_client_reads_and_reports_how_the_stream_ended() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client = Client(listener.getsockname(), timeout=2)
        conn, _ = listener.accept()
        conn.sendall(GREETING)
        conn.close()
        got = client.read()
        assert (got.data, got.end) == (GREETING, "eof")
        client.close()
    assert "received end-of-file" in client.transcript.render()


def test_a_greeting_sent_before_a_reset_that_connect_reports_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a busy machine the server may accept, greet and reset before the client's thread reads connect()'s result
    (SO_ERROR, which that read clears): the greeting is queued and must be read, or the verdict depends on timing."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def slow_connect(self: Client, timeout: float) -> None:  # what CPython's connect() with a timeout does, late
            self.sock.connect(self.address)
            conn, _ = listener.accept()
            conn.sendall(GREETING)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # an abortive close: RST after the greeting
            select.select([self.sock], [], [], 2)
            time.sleep(0.05)  # the RST after the greeting
            raise ConnectionResetError(self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR), "reset")

        monkeypatch.setattr(Client, "_connect", slow_connect)
        client = Client(listener.getsockname(), timeout=2)
        got = client.read()
        client.close()
    assert client.reset_at_connect
    assert (got.data, got.end) == (GREETING, "reset")
    assert "as it was accepted, after" in client.transcript.render()


@pytest.mark.parametrize(("got", "hint"), [
    (GREETING + b"\n", "trailing newline"),
    (b"b'" + GREETING + b"'", "bytes repr"),
    (GREETING.decode().encode("utf-16"), "encoding"),
    (b"Thank you for conecting", "typo"),
])
def test_hints_name_the_mistake(got: bytes, hint: str) -> None:
    found = hints.diagnose(hints.Evidence(expected=GREETING, got=got, end="eof"))
    assert found
    assert found[0].name == hint


def test_hint_for_str_written_to_a_socket_comes_from_stderr() -> None:
    ev = hints.Evidence(expected=GREETING, got=b"", end="eof",
                        stderr="TypeError: a bytes-like object is required, not 'str'\nTraceback")
    assert next(h.name for h in hints.diagnose(ev)) == "str written to a socket"


def test_first_difference_is_precise() -> None:
    assert first_difference(GREETING, GREETING + b"\n") == (
        "first difference at byte 24: expected end of data, got b'\\n'")
    assert "byte 0" in first_difference(b"abc", b"xbc")


def test_log_addresses_parse_like_python_prints_them() -> None:
    assert addresses.tuple_addresses("Got connection from ('127.0.0.1', 42)") == [("127.0.0.1", 42)]
    assert addresses.twisted_addresses("IPv4Address(type='TCP', host='127.0.0.1', port=42)") == [("127.0.0.1", 42)]
    assert addresses.mentions("('127.0.0.1', 42) disconnected", ("127.0.0.1", 42))


def test_accept_queue_counts_connections_not_yet_accepted() -> None:
    """The pacing of simultaneous clients reads a listening socket's accept queue (/proc) and backlog (ss)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        if socket_tables.accept_queue(port) is None:
            pytest.skip("no /proc/net/tcp on this platform")
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        assert socket_tables.accept_queue(port) == 3
        assert socket_tables.listen_backlog(port) == 5
        conn, _ = listener.accept()
        assert socket_tables.accept_queue(port) == 2
        for sock in [conn, *clients]:
            sock.close()


def test_xdist_groups_a_targets_specs_by_its_name() -> None:
    """Under -n N, every spec of one target (whatever its other parameters) goes to one worker."""
    from netconform.specs.harness.glue.distribution import group_of
    from netconform.specs.harness.launch.targets import TargetSpec

    select = TargetSpec("logger-server", "select", ("x",))
    selectors = TargetSpec("logger-server", "selectors", ("x",))
    book = TargetSpec("greeting-server", "book", ("x",), port_policy="fixed")
    select_unix = TargetSpec("logger-server", "select-unix", ("x",), transport="unix")
    select_udp = TargetSpec("greeting-server", "select-udp", ("x",), transport="udp")
    targets = [select, selectors, book, select_unix, select_udp]
    assert group_of("specs/test_a.py::test_b[select-logger-mid-line]", targets) == "netconform-select"
    assert group_of("specs/test_a.py::test_b[select]", targets) == "netconform-select"
    assert group_of("specs/test_a.py::test_b[select1]", targets) == "netconform-select"
    assert group_of("specs/test_a.py::test_b[selectors-byte_by_byte]", targets) == "netconform-selectors"
    assert group_of("specs/test_a.py::test_b[book]", targets) == "netconform-fixed-port"
    assert group_of("specs/test_a.py::test_b[select-unix-logger-mid-line]", targets) == "netconform-select-unix"
    assert group_of("specs/test_a.py::test_b[select-udp]", targets) == "netconform-select-udp"
    assert group_of("tests/test_a.py::test_b[other]", targets) is None
    assert group_of("tests/test_a.py::test_b", targets) is None


def test_xdist_interleaves_targets_groups_with_other_tests() -> None:
    """Under -n N, the targets' groups and the other tests are sent interleaved, each kind in its own order."""
    from netconform.specs.harness.glue.distribution import interleave

    groups, others = ["g1", "g2", "g3"], ["t1", "t2", "t3", "t4", "t5", "t6"]
    merged = interleave(groups, others)
    assert sorted(merged) == sorted(groups + others)
    assert [m for m in merged if m in groups] == groups
    assert [m for m in merged if m in others] == others
    assert merged[:3] == ["t1", "g1", "t2"]  # neither kind waits for the other to be done
    assert interleave([], others) == others
    assert interleave(groups, []) == groups


@pytest.mark.linux_platform
def test_unread_counts_what_the_client_has_not_read() -> None:
    """The greeting client specs send each fragment once the client has read the one before (sock_diag or /proc)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            conn, _ = listener.accept()
            with conn:
                conn.sendall(b"hello")
                mine = client.getsockname()[1]
                deadline = time.monotonic() + 2
                while socket_tables.unread(mine, port) != 5 and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert socket_tables.unread(mine, port) == 5
                assert client.recv(5) == b"hello"
                assert socket_tables.unread(mine, port) == 0


def test_departure_lines_are_matched_to_the_clients_they_name() -> None:
    """A log line names a client by its address in any printed form, or by its path; data lines name none,
    and a port inside a longer number is not that port."""
    from netconform.specs.harness.observe.departures import _Names

    clients = {("127.0.0.1", 5000): 0, ("127.0.0.1", 5001): 0, ("::1", 6000): 0, "/tmp/nc-x/c1": 0, "/tmp/nc-x/c2": 0}
    names = _Names(clients)
    assert names.named("('127.0.0.1', 5000) disconnected") == [("127.0.0.1", 5000)]
    assert names.named("Got connection from localhost:5001") == [("127.0.0.1", 5001)]
    assert names.named("IPv6Address(TCP, '::1', 6000) left") == [("::1", 6000)]
    assert names.named("client /tmp/nc-x/c2 disconnected") == ["/tmp/nc-x/c2"]
    assert names.named("hello 50001 and 15000") == []
    assert names.named("just some data") == []



@pytest.fixture
def short_folder() -> Iterator[Path]:
    """A folder with a path short enough for socket names (pytest's ``tmp_path`` is not)."""
    folder = Path(tempfile.mkdtemp(prefix="nc-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.linux_platform
def test_socket_folders_live_in_memory_unless_tmpdir_says_otherwise(monkeypatch: pytest.MonkeyPatch,
                                                                      short_folder: Path) -> None:
    """Socket files go to a memory file system ($XDG_RUNTIME_DIR, /dev/shm) when there is one, to $TMPDIR
    whenever it is set, and never to a folder whose paths leave no room for a socket's name."""
    from netconform.specs.harness.platform import socket_folders

    runtime, shm, mine = short_folder / "run", short_folder / "shm", short_folder / "mine"
    for folder in (runtime, shm, mine):
        folder.mkdir()
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(socket_folders, "SHARED_MEMORY", str(shm))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert socket_folders.base() == str(runtime)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(short_folder / "missing"))
    assert socket_folders.base() == str(shm)
    monkeypatch.setattr(socket_folders, "SHARED_MEMORY", str(short_folder / "missing"))
    monkeypatch.setattr(socket_folders.tempfile, "tempdir", None)
    assert socket_folders.base() == socket_folders.tempfile.gettempdir()
    monkeypatch.setattr(socket_folders, "SHARED_MEMORY", str(shm))
    monkeypatch.setenv("TMPDIR", str(mine))
    socket_folders.tempfile.tempdir = None  # gettempdir() keeps what it found first
    assert socket_folders.base() == str(mine)
    long = short_folder / ("x" * socket_folders.MAX_BASE)
    long.mkdir()
    monkeypatch.setenv("TMPDIR", str(long))
    socket_folders.tempfile.tempdir = None
    assert socket_folders.base() == "/tmp"


def test_a_sleeping_loops_wake_ups_do_not_restart_the_idle_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """Startup's idle count (readiness.Activity) ignores a sleeping loop's crumbs of CPU and a single look
    that finds it running; real work (CPU growing, or running at two looks in a row) restarts it."""
    from netconform.specs.harness.launch import readiness

    looks: list[tuple[float, bool]] = []
    monkeypatch.setattr(readiness.process_stats, "cpu_seconds", lambda tree: looks[0][0])
    monkeypatch.setattr(readiness.process_stats, "busy", lambda tree: looks.pop(0)[1])
    activity = readiness.Activity(idle_limit=60)

    def restarted(cpu: float, busy: bool) -> bool:
        looks.append((cpu, busy))
        before = activity.busy_at
        activity.idle_too_long([])
        return activity.busy_at != before

    restarted(0.10, False)  # the first look sets the count going
    assert not restarted(0.11, True)  # a wake-up: one tick, seen running once
    assert not restarted(0.12, False)
    assert restarted(0.30, False)  # CPU growing: working
    assert not restarted(0.30, True)
    assert restarted(0.30, True)  # running (or waiting for a CPU) at two looks in a row
