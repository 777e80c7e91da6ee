"""The transcript of a scenario: timestamped events of its clients, rendered for failure messages.

A scenario with hundreds of clients records hundreds of events that say the same thing; the
rendering folds those into one line each, so that the events that differ, the ones a failure
is about, stay within the lines a message shows (see :class:`Transcript`).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field

#: A rendering shows at most this many lines by default (folded lines count as one).
WINDOW = 40
#: A folded line stands for at least this many clients.
FOLD_AT = 3
#: A label that folds: a name and a number, ``client 7`` (``idle client``, ``server``, ``suite`` do not).
_NUMBERED = re.compile(r"(.*\S) ([0-9]+)")
_DIGITS = re.compile(r"[0-9]+")

#: An event: seconds since the transcript began, who, what.
Event = tuple[float, str, str]


@dataclass
class Transcript:
    """Timestamped events of one scenario, shared by its clients.

    ``render(limit)`` shows the events one per line, ``+0.003s  client 1   received b'...'``, in the
    order recorded. A transcript of ``limit`` events or fewer renders exactly so, nothing folded.
    A longer one is folded first, and the window applies to the folded lines:

    1. Many clients, one line. An event of a numbered label (``client 7``; not ``idle client``,
       ``server``, ``suite``) folds with the events of the other labels of that name that say the
       same: each client's first such event with the others' first, its second with their second.
       The line names the clients and the earliest and latest time, and stands where its first
       event stood: ``+5.149…5.152s  clients 161–200 closed (FIN)``. "The same" is the same text
       but for its numbers, each of which is, in most of the events, either one value
       (``(24 bytes)``) or each client's own number plus one offset (shown ``N``, ``N-1``:
       ``sent b'client-N says hello'``); a port or a client's socket path may differ (shown
       ``127.0.0.1:…``), and so may a byte count after a whole ``repr``, which that repr implies
       (shown ``(21–23 bytes)``).
    2. What differs stays as it is: an event whose numbers break the others' rule (a client
       that received another's data, a wait of another length), a second event where the others
       had one, what fewer than ``FOLD_AT`` clients did, and every event of a label without a
       number (the suite's notes, errors of the ``server``).
    3. Lines in a row that say the same of the same (``FOLD_AT`` events or more) become one, with
       its count: ``+4.429s  client 50  had another datagram waiting: b'...' (24 bytes) (49 times)``.
    4. The window: the last ``limit`` lines, and always every event of the labels ``mark()``
       names, as the failure is about them (never folded). Hidden events are counted where they
       were: ``(N earlier events not shown)``, ``(N events not shown)``, ``(N later events not shown)``.

    The rendering depends on the events, the marks and ``limit`` alone: it is deterministic.
    """

    start: float = field(default_factory=time.monotonic)
    events: list[Event] = field(default_factory=list)
    marked: set[str] = field(default_factory=set)

    def add(self, who: str, what: str) -> None:
        """Record ``what`` happened to ``who`` now."""
        self.events.append((time.monotonic() - self.start, who, what))

    def mark(self, *who: str) -> None:
        """The failure is about these labels (``client 57``): their events are shown one per line, always."""
        self.marked.update(who)

    def render(self, limit: int = WINDOW) -> str:
        """The events as lines ``+0.003s  client 1   received b'...'``, folded and windowed (see the class)."""
        lines = [_Line(i, 1, who in self.marked, t, t, f"{who:<10} {what}")
                 for i, (t, who, what) in enumerate(self.events)]
        if len(self.events) > limit:
            lines = _repeats(_fold(self.events, lines))
        return "\n".join(_window(lines, limit)) or "    (no traffic)"


@dataclass(frozen=True)
class _Line:
    """One rendered line: where its first event is, how many events it stands for, whether it must stay, the
    first and last time of its events, and what it says of whom."""

    first: int
    count: int
    kept: bool
    start: float
    end: float
    body: str

    @property
    def text(self) -> str:
        """``    +5.149s  client 7   closed (FIN)``; ``+5.149…5.152s`` when its times differ at that precision."""
        first, last = f"{self.start:.3f}", f"{self.end:.3f}"
        return f"    +{first if first == last else f'{first}…{last}'}s  {self.body}"


def _fold(events: list[Event], lines: list[_Line]) -> list[_Line]:
    """The events' ``lines``, one per event, with the events of many clients that fold as one line each."""
    groups: dict[tuple[str, tuple[str, ...], int], list[int]] = {}
    seen: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for i, (_, who, what) in enumerate(events):
        numbered = _NUMBERED.fullmatch(who)
        if numbered is None or lines[i].kept:
            continue
        parts = tuple(_DIGITS.split(what))
        seen[who, parts] += 1
        groups.setdefault((numbered[1], parts, seen[who, parts]), []).append(i)
    folded: dict[int, _Line] = {}
    for (name, parts, _), members in groups.items():
        folding = _folded(events, name, parts, members) if len(members) >= FOLD_AT else None
        if folding is not None:
            folded.update(dict.fromkeys(folding[1], folding[0]))
    merged = [folded.get(i, line) for i, line in enumerate(lines)]
    return [line for i, line in enumerate(merged) if line.first == i]


def _repeats(lines: list[_Line]) -> list[_Line]:
    """Lines in a row that say the same of the same, ``FOLD_AT`` events or more, as one line ``(K times)``."""
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        j = i + 1
        while j < len(lines) and not lines[i].kept and not lines[j].kept and lines[j].body == lines[i].body:
            j += 1
        run = lines[i:j]
        if len(run) > 1 and sum(line.count for line in run) >= FOLD_AT:
            out.append(_Line(run[0].first, sum(line.count for line in run), False, min(line.start for line in run),
                             max(line.end for line in run), f"{run[0].body} ({len(run)} times)"))
        else:
            out += run
        i = j
    return out


def _folded(events: list[Event], name: str, parts: tuple[str, ...],
            members: list[int]) -> tuple[_Line, list[int]] | None:
    """The line the events ``members`` fold into, and which of them it stands for (None: too few agree)."""
    owners = [int(events[i][1].rsplit(" ", 1)[1]) for i in members]
    values = [_DIGITS.findall(events[i][2]) for i in members]
    rules = [_rule(parts[j], parts[j + 1], [v[j] for v in values], owners) for j in range(len(parts) - 1)]
    agree = [k for k, (own, numbers) in enumerate(zip(owners, values, strict=True))
             if all(_obeys(rule, v, own) for rule, v in zip(rules, numbers, strict=True))]
    if len(agree) < FOLD_AT:
        return None
    chosen = [members[k] for k in agree]
    shown = [_shown(rule, [values[k][j] for k in agree]) for j, rule in enumerate(rules)]
    what = parts[0] + "".join(s + p for s, p in zip(shown, parts[1:], strict=True))
    who = f"{name}s {_ranges(sorted(owners[k] for k in agree))}"
    times = [events[i][0] for i in chosen]
    return _Line(chosen[0], len(chosen), False, min(times), max(times), f"{who:<10} {what}"), chosen


#: How a number of a folded event is checked and shown: ("same", value), ("own", offset), ("port", ""), ("count", "").
Rule = tuple[str, str | int]


def _rule(before: str, after: str, values: list[str], owners: list[int]) -> Rule:
    """The rule most of ``values`` (one number of each event, between ``before`` and ``after``) follow."""
    if after.startswith(" byte") and before.endswith(("' (", '" (')):
        return ("count", "")  # the byte count after a whole repr: the repr says it already
    same, same_n = Counter(values).most_common(1)[0]
    if before.endswith(":") or (before.endswith("/c") and after.startswith(".sock")):
        return ("same", same) if 2 * same_n > len(values) else ("port", "")
    offsets = Counter(int(v) - n for v, n in zip(values, owners, strict=True) if str(int(v)) == v).most_common(1)
    if offsets and offsets[0][1] > same_n:
        return ("own", offsets[0][0])
    return ("same", same)


def _obeys(rule: Rule, value: str, owner: int) -> bool:
    kind, arg = rule
    if kind == "same":
        return value == arg
    if kind == "own":
        return str(int(value)) == value and int(value) - owner == arg
    return True


def _shown(rule: Rule, values: list[str]) -> str:
    kind, arg = rule
    if kind == "same":
        return str(arg)
    if kind == "own":
        return "N" if arg == 0 else f"N{int(arg):+d}"
    low, high = min(values, key=int), max(values, key=int)
    if low == high:
        return low
    return f"{low}–{high}" if kind == "count" else "…"


def _ranges(numbers: list[int]) -> str:
    """``1–56, 58–200``; past five runs, the first four and how many in all."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = [f"{a}–{b}" if b > a + 1 else f"{a}, {b}" if b > a else str(a) for a, b in runs]
    if len(runs) > 5:
        return ", ".join(text[:4]) + f", … ({len(numbers)} in all)"
    return ", ".join(text)


def _window(lines: list[_Line], limit: int) -> list[str]:
    """The marked lines and the last of the others, ``limit`` lines in all (more if marked), gaps counted."""
    kept = {line.first for line in lines if line.kept}
    rest = [line.first for line in lines if not line.kept]
    room = max(0, limit - len(kept))
    kept.update(rest[max(0, len(rest) - room):] if room else [])
    out: list[str] = []
    hidden = 0
    for line in lines:
        if line.first not in kept:
            hidden += line.count
            continue
        if hidden:
            out.append(f"    ({hidden} {'earlier ' if not out else ''}events not shown)")
            hidden = 0
        out.append(line.text)
    if hidden:
        out.append(f"    ({hidden} later events not shown)")
    return out
