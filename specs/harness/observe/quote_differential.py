"""Differential testing of a ``quote-module`` against ``urllib.parse``: the machinery of the QUOTE-* specs.

A quote-module target is imported, not run: it has no process, output or wire.
:class:`ModuleTarget` adapts it to :class:`specs.harness.judge.matchers.Target`, so its
failures are composed by :mod:`specs.harness.judge.matchers` like every other spec's. The
rest calls the target and the reference (:class:`Call`, :class:`Outcome`), compares
them, checks ``fixtures/quoting/vectors.json``, recognises the likely mistake
differentially (:func:`likely_mistakes`, named by ``hints.QUOTING_HINTS``) and draws
the inputs (the strategies at the end).
"""

from __future__ import annotations

import json
import os
import re
import types
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from hypothesis import settings
from hypothesis import strategies as st

from ..judge import matchers, requirements
from ..judge.hints import QUOTING_HINTS
from ..launch.settings import TestContext
from ..launch.targets import TargetSpec
from ..wire.streams import Transcript

REFERENCE = urllib.parse
VECTORS = Path(__file__).resolve().parents[3] / "fixtures" / "quoting" / "vectors.json"
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")  # RFC 3986 2.3
FUNCTIONS = ("quote", "quote_plus", "unquote", "unquote_plus", "urlencode")
QUOTERS = ("quote", "quote_plus", "urlencode")
UNQUOTERS = ("unquote", "unquote_plus")

LOWER_HEX = re.compile(r"%(?:[0-9a-f][a-f]|[a-f][0-9a-f])")
MALFORMED = re.compile(r"%(?![0-9A-Fa-f]{2})")
ESCAPE = re.compile(r"%[0-9A-F]{2}")


# -- the target ------------------------------------------------------------------------------------

def target_spec(module: types.ModuleType) -> TargetSpec:
    """The module's target (set by the plug-in), or one made up for a module imported by hand."""
    spec = getattr(module, "__netconform_target__", None)
    if isinstance(spec, TargetSpec):
        return spec
    return TargetSpec(role="quote-module", name=module.__name__, command=(module.__name__,))


class ModuleTarget:
    """A quote-module checked by one spec: what :class:`matchers.Target` needs, and the module.

    A module has no process: no output, no exit code, no wire transcript. The reproduce
    line selects the module again and runs just ``req_id``.
    """

    def __init__(self, module: types.ModuleType, req_id: str) -> None:
        self.module = module
        self.req_id = req_id
        self.spec: TargetSpec = target_spec(module)
        nodeid = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]  # "path::test[id] (call)"
        repro = f"pytest --pyargs specs {self.spec.select_option} --requirement {req_id}"
        self.context: TestContext | None = TestContext(nodeid, requirements.get(req_id).id, repro)
        self.transcript: Transcript = Transcript()

    @property
    def exit_code(self) -> int | None:
        return None

    @property
    def exited_on_its_own(self) -> int | None:
        return None

    def interrupt_text(self) -> str:
        return ""

    def stderr_text(self, n: int = 30) -> str:
        return ""

    def stdout_text(self, n: int = 30) -> str:
        return ""

    def output_tail(self) -> str:
        return "    (none: a module is imported, not run)"


# -- calling the target and the reference ----------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """What a call gave: a value, or the exception it raised."""

    value: object = None
    error: Exception | None = None

    def __str__(self) -> str:
        if self.error is not None:
            return f"raised {type(self.error).__name__}: {self.error}"
        return repr(self.value)

    def same_as(self, reference: Outcome) -> bool:
        """The same str result, or an exception of the reference's type."""
        if reference.error is not None:
            return isinstance(self.error, type(reference.error))
        return self.error is None and type(self.value) is type(reference.value) and self.value == reference.value


@dataclass(frozen=True)
class Call:
    """A call of one of the five functions, shown as ``quote('a b', safe='/')``."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        shown = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.name}({', '.join(shown)})"

    def on(self, function: Callable[..., Any]) -> Outcome:
        """Make this call to ``function`` (the target's)."""
        try:
            return Outcome(function(*self.args, **self.kwargs))
        except Exception as exc:
            return Outcome(error=exc)

    def reference(self, **changes: Any) -> Outcome:
        """Make this call to ``urllib.parse`` (with the keyword arguments ``changes`` changed)."""
        return Call(self.name, self.args, {**self.kwargs, **changes}).on(getattr(REFERENCE, self.name))


# -- likely mistakes -------------------------------------------------------------------------------

def likely_mistakes(call: Call, ref: Outcome, got: Outcome) -> list[str]:
    """Names of :data:`QUOTING_HINTS` that explain how ``got`` differs from ``ref``.

    Mostly differential: would the reference, called otherwise (Latin-1, ``safe``
    ignored, ``doseq`` flipped, the other unquote), have given what the target gave?
    """
    if got.same_as(ref):
        return []  # nothing to explain (a call the reference would also make differently is no evidence)
    name, kwargs = call.name, call.kwargs
    text = call.args[0] if call.args else None
    found: list[str] = []

    def matches(**changes: Any) -> bool:
        return got.same_as(call.reference(**changes))

    if name == "urlencode" and ref.error is not None:
        return ["urlencode non-pairs"]
    if got.error is not None:
        if isinstance(got.error, TypeError) and "argument" in str(got.error):
            found.append("signature")
        elif isinstance(got.error, TypeError) and isinstance(kwargs.get("safe"), bytes):
            found.append("bytes safe")
        if name in QUOTERS and isinstance(got.error, UnicodeEncodeError):
            found.append("encode as UTF-8")
        if name in UNQUOTERS and isinstance(got.error, UnicodeDecodeError):
            found.append("invalid UTF-8")
        elif name in UNQUOTERS and isinstance(text, str) and MALFORMED.search(text):
            found.append("malformed escapes")
        return found
    if not isinstance(got.value, str):
        return ["not a str"]
    expected = ref.value if isinstance(ref.value, str) else ""
    safe = kwargs.get("safe", "")
    safe_text = safe.decode("latin-1") if isinstance(safe, bytes) else str(safe)
    if name in QUOTERS and any(got.value.upper().count(f"%{ord(c):02X}") > expected.upper().count(f"%{ord(c):02X}")
                               for c in set(safe_text) & UNRESERVED):
        found.append("safe adds to unreserved")
    if name in QUOTERS and any(ord(c) > 0x7F and c in got.value and c not in expected for c in safe_text):
        found.append("safe is ASCII")
    if name in QUOTERS:
        if LOWER_HEX.search(got.value) and not LOWER_HEX.search(expected):
            found.append("lower-case hex")
        if got.value.upper().count("%7E") > expected.upper().count("%7E") and "~" not in safe_text:
            found.append("~ unreserved")
        if name != "quote" and (got.value.count("%20") > expected.count("%20") or " " in got.value):
            found.append("quote_plus spaces")
        if kwargs.get("encoding") is None and isinstance(text, str | dict | list) and matches(encoding="latin-1"):
            found.append("encode as UTF-8")
        default_safe = "/" if name == "quote" else ""
        if "safe" in kwargs and any(kwargs["safe"] != s and matches(safe=s) for s in (default_safe, "/", "")):
            found.append("safe ignored")
    if name == "urlencode" and matches(doseq=not kwargs.get("doseq", False)):
        found.append("doseq")
    if name in UNQUOTERS and isinstance(text, str):
        if kwargs.get("encoding") is None and matches(encoding="latin-1"):
            found.append("decode as UTF-8")
        if name == "unquote_plus" and got.same_as(Call("unquote", (text,)).reference()):
            found.append("unquote_plus '+'")
        if name == "unquote" and got.same_as(Call("unquote_plus", (text,)).reference()):
            found.append("unquote keeps '+'")
        lost = [m.group() for m in re.finditer(r"%.{0,2}", text) if MALFORMED.match(m.group())]
        if any(piece in expected and piece not in got.value for piece in lost):
            found.append("malformed escapes")
    return found


def stray_character(quoted: str, safe: str) -> int | None:
    """Where ``quoted`` has a character that is neither unreserved, nor in ``safe``, nor in a ``%XX`` escape."""
    allowed, at = UNRESERVED | set(safe), 0
    while at < len(quoted):
        if ESCAPE.match(quoted, at):
            at += 3
        elif quoted[at] not in allowed:
            return at
        else:
            at += 1
    return None


# -- failing ---------------------------------------------------------------------------------------

def fail(target: ModuleTarget, summary: str, *, call: Call | str | None = None, ref: Outcome | None = None,
         got: Outcome | None = None, source: str = "urllib.parse", hints: Iterable[str] = (),
         details: str | None = None) -> NoReturn:
    """Fail the spec with the call, the reference's and the target's results, and the likely mistakes."""
    __tracebackhide__ = True
    lines = [f"call:      {call}"] if call is not None else []
    if ref is not None and got is not None:
        lines += [f"reference: {ref}    ({source})", f"target:    {got}"]
        if isinstance(ref.value, str) and isinstance(got.value, str):
            lines.append(matchers.first_difference(ref.value, got.value))
    if details:
        lines.append(details)
    matchers.fail_with(target, summary, {hint: QUOTING_HINTS[hint] for hint in hints},
                       cause=f"{call} gave {got}" if call and got else summary, details="\n".join(lines) or None)


def function(target: ModuleTarget, name: str) -> Callable[..., Any]:
    """The module's function ``name``; the spec fails if it has none."""
    __tracebackhide__ = True
    found: object = getattr(target.module, name, None)
    if not callable(found):
        public = ", ".join(n for n in dir(target.module) if not n.startswith("_")) or "nothing"
        fail(target, f"the module has no function {name}()",
             details=f"a quote-module exposes {', '.join(FUNCTIONS)} (found: {public})")
    return found


def expect_same(target: ModuleTarget, name: str, *args: Any, **kwargs: Any) -> str:
    """The target's ``name(*args, **kwargs)`` must give what urllib.parse's gives; returns that result."""
    __tracebackhide__ = True
    call = Call(name, args, kwargs)
    ref, got = call.reference(), call.on(function(target, name))
    if not got.same_as(ref):
        fail(target, f"{name}() differs from urllib.parse.{name}()", call=call, ref=ref, got=got,
             hints=likely_mistakes(call, ref, got))
    return got.value if isinstance(got.value, str) else ""


# -- the vectors -----------------------------------------------------------------------------------

def _from_json(value: Any) -> Any:
    """A vector's argument as Python (the encoding is described in vectors.json)."""
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        kind = value["type"]
        if kind == "bytes":
            return bytes.fromhex(value["hex"])
        if kind == "tuple":
            return tuple(_from_json(v) for v in value["items"])
        if kind == "dict":
            return {_from_json(k): _from_json(v) for k, v in value["items"]}
        raise ValueError(f"vectors.json: unknown tagged value {value!r}")
    return value


def _query_from_json(value: Any) -> Any:
    """urlencode's first argument: as :func:`_from_json`, but a list holds [key, value] pairs (tuples)."""
    if isinstance(value, list):
        return [tuple(_from_json(p)) if isinstance(p, list) else _from_json(p) for p in value]
    return _from_json(value)


def vectors(req_id: str, level: str = "MUST") -> list[dict[str, Any]]:
    """The vectors of ``req_id`` at ``level``, as stored in vectors.json."""
    found: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    return [v for v in found if v["requirement"] == req_id and v["level"] == level]


def check_vectors(target: ModuleTarget, level: str = "MUST") -> None:
    """Every vector of the target's requirement at ``level`` gives its expected result (or raises its exception)."""
    __tracebackhide__ = True
    for vector in vectors(target.req_id, level):
        name = vector["function"]
        first, *rest = vector["args"]
        args = (_query_from_json(first) if name == "urlencode" else _from_json(first), *map(_from_json, rest))
        call = Call(name, args, {k: _from_json(v) for k, v in vector["kwargs"].items()})
        ref = Outcome(vector["expected"]) if "expected" in vector else call.reference()
        got = call.on(function(target, name))
        if not got.same_as(ref):
            fail(target, f"{name}() gives the wrong result for a test vector ({vector['note']})", call=call,
                 ref=ref, got=got, source="fixtures/quoting/vectors.json", hints=likely_mistakes(call, ref, got))


# -- strategies ------------------------------------------------------------------------------------

ASCII = st.characters(max_codepoint=0x7F)
URL_TEXT = "abcXYZ019 -._~!*'();:@&=+$,/?#[]%\"<>\\^`{|}\t\né€\U0001f600"
#: Any text (the whole of Unicode but surrogates), or text made of the characters URLs care about.
texts = st.text() | st.text(alphabet=st.sampled_from(URL_TEXT))
#: ``safe`` as str: from the whole of Latin-1 (unreserved, reserved, DEL, and non-ASCII, which urllib.parse
#: ignores), any text, or a usual one; ``safe_sets`` adds bytes (only bytes below 128 count).
str_safe_sets = (st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=8) | st.text(max_size=4)
                 | st.sampled_from(["/", "", "@:", "/+", "-._~"]))
safe_sets = st.shared(str_safe_sets | st.binary(max_size=8), key="safe")
#: A text that holds some characters of the ``safe`` drawn with it (a bytes safe's as Latin-1 characters).
texts_with_safe = safe_sets.flatmap(lambda safe: texts | st.text(alphabet=st.sampled_from(
    (safe.decode("latin-1") if isinstance(safe, bytes) else safe) + URL_TEXT)))


@st.composite
def escaped_strings(draw: st.DrawFn) -> str:
    """Text mixed with valid %-escapes of either case and malformed ones (``%``, ``%zz``, ``%e2%82``)."""
    hex_digit = st.sampled_from("0123456789abcdefABCDEF")
    piece = st.one_of(
        st.text(max_size=4),
        st.sampled_from(["%", "%zz", "%2", "%g0", "%e2%82", "%E2%82%AC", "%C3%A9", "%ff", "+", "%%", "%2B"]),
        st.tuples(hex_digit, hex_digit).map(lambda h: "%" + "".join(h)),
    )
    return "".join(draw(st.lists(piece, max_size=12)))


scalars = st.text(max_size=8) | st.binary(max_size=6) | st.integers()
values = scalars | st.lists(scalars, max_size=4) | st.lists(scalars, max_size=4).map(tuple)
#: urlencode's first argument: a mapping, a list of (key, value) pairs, or neither (a str, a list whose first
#: item is not a tuple, pairs after it or not: urllib.parse refuses them with TypeError).
pairs = st.lists(st.tuples(scalars, values), max_size=5)
non_pairs = st.lists(st.text(min_size=2, max_size=2) | st.lists(scalars, min_size=2, max_size=2), min_size=1,
                     max_size=3)
queries = (st.dictionaries(scalars, values, max_size=5) | pairs | st.text(min_size=1, max_size=4) | non_pairs
           | st.tuples(non_pairs, pairs.filter(bool)).map(lambda parts: parts[0] + parts[1]))


def one_bug() -> settings:
    """The active profile's settings, but report only the first bug found (one clear message per spec)."""
    return settings(report_multiple_bugs=False)
