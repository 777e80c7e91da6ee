"""Unit tests of the wire transcript's rendering: many clients' like events folded, the differing ones kept."""

from __future__ import annotations

from netconform.specs.harness.wire import streams
from netconform.specs.harness.wire.streams import describe
from netconform.specs.harness.wire.transcripts import FOLD_AT, WINDOW, Event, Transcript

CLIENTS = 200
ODD = 57  # the client that sent something the others did not
WAITING = "had another datagram waiting: b'Thank you for connecting' (24 bytes)"


def transcript(events: list[Event]) -> Transcript:
    """A transcript holding exactly ``events`` (times already relative to its start)."""
    return Transcript(start=0.0, events=list(events))


def unfolded(events: list[Event], limit: int = WINDOW) -> str:
    """The rendering before folding: the last ``limit`` events, one per line."""
    shown = events[-limit:]
    skipped = len(events) - len(shown)
    lines = [f"    ({skipped} earlier events not shown)"] if skipped else []
    lines += [f"    +{t:.3f}s  {who:<10} {what}" for t, who, what in shown]
    return "\n".join(lines) or "    (no traffic)"


def many_clients() -> list[Event]:
    """CONC-2's scenario, as its transcript records it: 200 clients connect, each sends its line (client 57 a
    cut one), the suite gives up waiting, all close."""
    events: list[Event] = []
    for n in range(1, CLIENTS + 1):
        events.append((0.010 + 0.002 * n, f"client {n}", f"connected from 127.0.0.1:{40000 + 2 * n} to "
                                                      "127.0.0.1:41234"))
    for n in range(1, CLIENTS + 1):
        data = b"client-57 says hel" if n == ODD else f"client-{n} says hello\r\n".encode()
        events.append((1.000 + 0.0001 * n, f"client {n}", f"sent {describe(data)}"))
    events.append((5.000, "suite", "gave up waiting for the data of 1 more clients"))
    for n in range(1, CLIENTS + 1):
        events.append((5.149 + 0.00001 * n, f"client {n}", "closed (FIN)"))
    return events


def test_short_transcripts_render_as_before() -> None:
    """A transcript that fits the window renders exactly as before folding existed, one line per event in the
    order recorded, even when several clients did the same thing; an empty one says so."""
    events: list[Event] = [
        (0.001, "client 1", "connected from 127.0.0.1:50000 to 127.0.0.1:1234"),
        (0.002, "client 2", "connected from 127.0.0.1:50002 to 127.0.0.1:1234"),
        (0.003, "client 3", "connected from 127.0.0.1:50004 to 127.0.0.1:1234"),
        (0.0125, "client 1", "received b'Thank you for connecting' (24 bytes)"),
        (0.013, "idle client", "nothing more within 1.0s"),
        (0.014, "suite", "first start"),
    ]
    assert transcript(events).render() == unfolded(events) == "\n".join([
        "    +0.001s  client 1   connected from 127.0.0.1:50000 to 127.0.0.1:1234",
        "    +0.002s  client 2   connected from 127.0.0.1:50002 to 127.0.0.1:1234",
        "    +0.003s  client 3   connected from 127.0.0.1:50004 to 127.0.0.1:1234",
        "    +0.013s  client 1   received b'Thank you for connecting' (24 bytes)",
        "    +0.013s  idle client nothing more within 1.0s",
        "    +0.014s  suite      first start",
    ])
    assert transcript(many_clients()[:WINDOW]).render() == unfolded(many_clients()[:WINDOW])
    assert Transcript().render() == "    (no traffic)"


def test_long_transcripts_without_repetition_keep_the_last_lines_as_before() -> None:
    """Past the window, a transcript in which no event repeats across clients is cut as before: the last
    ``limit`` events, after ``(N earlier events not shown)``."""
    events: list[Event] = [(0.01 * i, "client 1", f"received {describe(bytes([65 + i % 26]) * (i + 1))}")
                           for i in range(WINDOW + 7)]
    assert transcript(events).render() == unfolded(events)
    assert transcript(events).render().splitlines()[0] == "    (7 earlier events not shown)"


def test_two_hundred_clients_fold_and_the_odd_one_is_shown() -> None:
    """200 clients that connected, sent their line and closed render as one line per step, naming the clients
    and the first and last time; client 57, which sent a cut line, keeps its own line, and the suite's note
    stays: everything within the window."""
    rendered = transcript(many_clients()).render()
    assert rendered == "\n".join([
        "    +0.012…0.410s  clients 1–200 connected from 127.0.0.1:… to 127.0.0.1:41234",
        "    +1.000…1.020s  clients 1–56, 58–200 sent b'client-N says hello\\r\\n' (21–23 bytes)",
        "    +1.006s  client 57  sent b'client-57 says hel' (18 bytes)",
        "    +5.000s  suite      gave up waiting for the data of 1 more clients",
        "    +5.149…5.151s  clients 1–200 closed (FIN)",
    ])
    assert len(rendered.splitlines()) <= WINDOW


def test_folding_is_what_keeps_the_odd_event_in_view() -> None:
    """Without folding, the last 40 lines of that transcript are clients closing and client 57's line is among
    the 561 not shown; with folding it is shown, and nothing is hidden."""
    events = many_clients()
    odd = "client 57  sent b'client-57 says hel' (18 bytes)"
    before = unfolded(events)
    assert odd not in before
    assert before.splitlines()[0] == "    (561 earlier events not shown)"
    assert all(line.endswith("closed (FIN)") for line in before.splitlines()[1:])
    after = transcript(events).render()
    assert odd in after
    assert "not shown" not in after


def test_time_ranges_are_the_first_and_last_of_the_folded_events() -> None:
    """A folded line shows the earliest and latest time of its events in the transcript's format, interleaved
    with other kinds or not, placed where its first event was; one time when both round alike."""
    events: list[Event] = []
    for n in range(1, 6):
        events.append((0.1 * n, f"client {n}", "received b'Thank you for connecting' (24 bytes)"))
        events.append((0.1 * n + 0.05, f"client {n}", "received end-of-file (orderly close, FIN)"))
    events += [(2.0001 + 0.00005 * n, f"client {n}", "reset the connection (close with SO_LINGER 0, RST)")
               for n in range(1, 6)]
    assert transcript(events).render(limit=5) == "\n".join([
        "    +0.100…0.500s  clients 1–5 received b'Thank you for connecting' (24 bytes)",
        "    +0.150…0.550s  clients 1–5 received end-of-file (orderly close, FIN)",
        "    +2.000s  clients 1–5 reset the connection (close with SO_LINGER 0, RST)",
    ])


def test_clients_own_numbers_fold_and_anothers_data_does_not() -> None:
    """Numbers that are each client's own (with the same offset, as datagram clients numbered from 0 send)
    fold as ``N``; a client that received another client's data keeps its line."""
    events: list[Event] = []
    for n in range(1, 11):
        events.append((0.01 * n, f"client {n}", f"sent a datagram of {describe(f'client {n - 1}'.encode())} from "
                                               f"127.0.0.1:{30001 + 7 * n}"))
    for n in range(1, 11):
        echoed = f"client {n - 1 if n != 4 else 5}".encode()
        events.append((1 + 0.01 * n, f"client {n}", f"received a datagram of {describe(echoed)} from 127.0.0.1:9999"))
    assert transcript(events).render(limit=4) == "\n".join([
        "    +0.010…0.100s  clients 1–10 sent a datagram of b'client N-1' (8 bytes) from 127.0.0.1:…",
        "    +1.010…1.100s  clients 1–3, 5–10 received a datagram of b'client N-1' (8 bytes) from 127.0.0.1:9999",
        "    +1.040s  client 4   received a datagram of b'client 5' (8 bytes) from 127.0.0.1:9999",
    ])


def test_what_differs_stays_as_it_is() -> None:
    """A second event where the others had one, a count after a cut repr, a wait of another length, and what
    fewer than FOLD_AT clients did keep their own lines; labels without a number never fold with others."""
    big = [describe(b"x" * (1000 + (n == 3))) for n in range(1, 6)]
    events: list[Event] = [(0.0, f"client {n}", "received b'Thank you for connecting' (24 bytes)") for n in range(1, 6)]
    events += [(0.1, "client 2", "received b'Thank you for connecting' (24 bytes)")]
    events += [(0.2, f"client {n}", f"received {big[n - 1]}") for n in range(1, 6)]
    events += [(0.3, f"client {n}", f"nothing more within {1.2 if n == 5 else 1.0:.1f}s") for n in range(1, 6)]
    events += [(0.4, f"client {n}", "half-closed (shutdown SHUT_WR, FIN sent)") for n in range(1, FOLD_AT)]
    events += [(0.5, who, "closed (FIN)") for who in ("idle client", "busy client", "server")]
    lines = transcript(events).render(limit=len(events) - 1).splitlines()
    assert lines[:4] == [
        "    +0.000s  clients 1–5 received b'Thank you for connecting' (24 bytes)",
        "    +0.100s  client 2   received b'Thank you for connecting' (24 bytes)",
        f"    +0.200s  clients 1, 2, 4, 5 received {big[0]}",
        f"    +0.200s  client 3   received {big[2]}",
    ]
    assert lines[4:] == [
        "    +0.300s  clients 1–4 nothing more within 1.0s",
        "    +0.300s  client 5   nothing more within 1.2s",
        "    +0.400s  client 1   half-closed (shutdown SHUT_WR, FIN sent)",
        "    +0.400s  client 2   half-closed (shutdown SHUT_WR, FIN sent)",
        "    +0.500s  idle client closed (FIN)",
        "    +0.500s  busy client closed (FIN)",
        "    +0.500s  server     closed (FIN)",
    ]


def test_repeated_lines_in_a_row_become_one() -> None:
    """Lines in a row that say the same of the same become one line ``(K times)``, with the first and last time:
    DGRAM-5's server that sent the replies of many clients to a few of them."""
    events: list[Event] = [(0.01 * n, f"client {n}", "no datagram within 0.1s") for n in range(1, 9)]
    for n in (2, 5, 8):
        events += [(1.0 + 0.001 * k, f"client {n}", WAITING) for k in range(1, (4 if n != 8 else 12) + 1)]
    events += [(1.1, "suite", "first start"), (1.2, "suite", "first start")]
    assert transcript(events).render(limit=6) == "\n".join([
        "    +0.010…0.080s  clients 1–8 no datagram within 0.1s",
        f"    +1.001…1.004s  clients 2, 5, 8 {WAITING} (4 times)",
        f"    +1.005…1.012s  client 8   {WAITING} (8 times)",
        "    +1.100s  suite      first start",
        "    +1.200s  suite      first start",
    ])


def test_the_window_applies_after_folding_and_keeps_marked_clients() -> None:
    """When even the folded lines exceed the window, the last are shown and the hidden events are counted in
    place; the events of a label marked as what the failure is about never fold and are always shown."""
    events = many_clients()
    assert transcript(events).render(limit=2) == "\n".join([
        "    (400 earlier events not shown)",
        "    +5.000s  suite      gave up waiting for the data of 1 more clients",
        "    +5.149…5.151s  clients 1–200 closed (FIN)",
    ])
    marked = transcript(events)
    marked.mark("client 3")
    assert marked.render(limit=6) == "\n".join([
        "    (199 earlier events not shown)",
        "    +0.016s  client 3   connected from 127.0.0.1:40006 to 127.0.0.1:41234",
        "    (198 events not shown)",
        "    +1.000s  client 3   sent b'client-3 says hello\\r\\n' (21 bytes)",
        "    +1.006s  client 57  sent b'client-57 says hel' (18 bytes)",
        "    +5.000s  suite      gave up waiting for the data of 1 more clients",
        "    +5.149…5.151s  clients 1, 2, 4–200 closed (FIN)",
        "    +5.149s  client 3   closed (FIN)",
    ])
    first = transcript(events)
    first.mark("client 1")
    assert first.render(limit=2) == "\n".join([
        "    +0.012s  client 1   connected from 127.0.0.1:40002 to 127.0.0.1:41234",
        "    (199 events not shown)",
        "    +1.000s  client 1   sent b'client-1 says hello\\r\\n' (21 bytes)",
        "    (200 events not shown)",
        "    +5.149s  client 1   closed (FIN)",
        "    (199 later events not shown)",
    ])


def test_many_runs_of_clients_are_cut_short() -> None:
    """A folded line names up to five runs of clients; past that the first four and how many in all."""
    events: list[Event] = [(0.0, f"client {n}", "closed (FIN)") for n in range(1, 30, 2)]
    assert transcript(events).render(limit=1) == (
        "    +0.000s  clients 1, 3, 5, 7, … (15 in all) closed (FIN)")


def test_streams_still_exports_the_transcript() -> None:
    """``from ...wire.streams import Transcript`` keeps working: it is the same class."""
    assert streams.Transcript is Transcript
