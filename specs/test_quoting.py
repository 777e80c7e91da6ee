"""Quoting module specs (QUOTE-*): quote, quote_plus, unquote, unquote_plus and urlencode.

The book's urllib quoting functions, with the semantics of Python 3.7+'s
``urllib.parse`` (``~`` is unreserved). Each ``quote-module`` target is a module
exposing the five functions; every spec compares it with ``urllib.parse`` itself: first
on the cases of ``fixtures/quoting/vectors.json`` that belong to the requirement (its
MUST ones), then on inputs Hypothesis draws. A mismatch shows the call, the reference's
and the target's results side by side, and the likely mistake.
"""

from __future__ import annotations

import json
import re
import types
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from specs.harness import findings, requirements
from specs.harness.findings import Finding
from specs.harness.hints import QUOTING_HINTS
from specs.harness.targets import TargetSpec

REFERENCE = urllib.parse
VECTORS = Path(__file__).resolve().parent.parent / "fixtures" / "quoting" / "vectors.json"
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")  # RFC 3986 2.3
QUOTERS = ("quote", "quote_plus", "urlencode")
UNQUOTERS = ("unquote", "unquote_plus")

_LOWER_HEX = re.compile(r"%(?:[0-9a-f][a-f]|[a-f][0-9a-f])")
_MALFORMED = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE = re.compile(r"%[0-9A-F]{2}")


# -- calling a target and comparing with the reference -------------------------------------------

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


def _call(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Outcome:
    try:
        return Outcome(function(*args, **kwargs))
    except Exception as exc:
        return Outcome(error=exc)


def _reference(name: str, *args: Any, **kwargs: Any) -> Outcome:
    return _call(getattr(REFERENCE, name), args, kwargs)


def _function(module: types.ModuleType, req_id: str, name: str) -> Callable[..., Any]:
    __tracebackhide__ = True
    function: object = getattr(module, name, None)
    if not callable(function):
        _fail(req_id, module, f"the module has no function {name}()",
              details=f"a quote-module exposes quote, quote_plus, unquote, unquote_plus and urlencode "
                      f"(found: {', '.join(n for n in dir(module) if not n.startswith('_')) or 'nothing'})")
    return function


def _show_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    shown = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{name}({', '.join(shown)})"


def _first_difference(expected: str, got: str) -> str:
    for i, (a, b) in enumerate(zip(expected, got, strict=False)):
        if a != b:
            return f"first difference at character {i}: expected {expected[i:i + 6]!r}, got {got[i:i + 6]!r}"
    if len(got) > len(expected):
        return f"first difference at character {len(expected)}: expected the end, got {got[len(expected):][:12]!r}"
    return f"first difference at character {len(got)}: expected {expected[len(got):][:12]!r}, got the end"


# -- likely mistakes -----------------------------------------------------------------------------



def _likely_mistakes(name: str, args: tuple[Any, ...], kwargs: dict[str, Any], ref: Outcome,
                     got: Outcome) -> list[str]:
    """Names of :data:`QUOTING_HINTS` that explain how ``got`` differs from ``ref``."""
    found: list[str] = []
    text = args[0] if args else None

    def matches(**changes: Any) -> bool:  # would the reference, called differently, give what the target gave?
        return got.same_as(_reference(name, *args, **{**kwargs, **changes}))

    if got.error is not None:
        if isinstance(got.error, TypeError) and "argument" in str(got.error):
            found.append("signature")
        if name in QUOTERS and isinstance(got.error, UnicodeEncodeError):
            found.append("encode as UTF-8")
        if name in UNQUOTERS and isinstance(got.error, UnicodeDecodeError):
            found.append("invalid UTF-8")
        elif name in UNQUOTERS and isinstance(text, str) and _MALFORMED.search(text):
            found.append("malformed escapes")
        return found
    if not isinstance(got.value, str):
        return ["not a str"]
    expected = ref.value if isinstance(ref.value, str) else ""
    if name in QUOTERS:
        if _LOWER_HEX.search(got.value) and not _LOWER_HEX.search(expected):
            found.append("lower-case hex")
        if got.value.upper().count("%7E") > expected.upper().count("%7E"):
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
        if name == "unquote_plus" and got.same_as(_reference("unquote", text)):
            found.append("unquote_plus '+'")
        if name == "unquote" and got.same_as(_reference("unquote_plus", text)):
            found.append("unquote keeps '+'")
        lost = [m.group() for m in re.finditer(r"%.{0,2}", text) if _MALFORMED.match(m.group())]
        if any(piece in expected and piece not in got.value for piece in lost):
            found.append("malformed escapes")
    return found


# -- failure messages ------------------------------------------------------------------------------

def _describe(module: types.ModuleType) -> str:
    where = getattr(module, "__file__", None)
    return f"module {module.__name__}" + (f" ({where})" if where else "")


def _select_option(module: types.ModuleType) -> str:
    """How to select this module as the target again: ``--impl quote-module=...`` or ``--submission DIR``."""
    spec = getattr(module, "__netconform_target__", None)
    if isinstance(spec, TargetSpec):
        return spec.select_option
    return f"--impl 'quote-module={module.__name__}'"


def _fail(req_id: str, module: types.ModuleType, summary: str, *, call: str | None = None,
          ref: Outcome | None = None, got: Outcome | None = None, source: str = "urllib.parse",
          hints: list[str] | tuple[str, ...] = (), details: str | None = None) -> NoReturn:
    """Fail the spec with the call, the reference's and the target's results, and the likely mistakes."""
    __tracebackhide__ = True
    req = requirements.registry().get(req_id)
    lines = [f"{req_id} ({req.level if req else 'MUST'}) not met: {summary}"]
    if req is not None:
        lines.append(f"  requirement: {req.text}")
    lines.append(f"  target: {_describe(module)}")
    if call is not None:
        lines.append(f"  call:      {call}")
    if ref is not None and got is not None:
        lines.append(f"  reference: {ref}    ({source})")
        lines.append(f"  target:    {got}")
        if isinstance(ref.value, str) and isinstance(got.value, str):
            lines.append(f"  {_first_difference(ref.value, got.value)}")
    if details:
        lines.append(f"  {details}")
    for hint in dict.fromkeys(hints):
        lines.append(f"  likely mistake ({hint}): {QUOTING_HINTS[hint]}")
    lines.append(f"  reproduce: pytest --pyargs specs {_select_option(module)} --requirement {req_id}")
    cause = f"{call} gave {got}" if call and got else summary
    findings.record(Finding(summary, cause=cause, hints=tuple(dict.fromkeys(hints))))
    pytest.fail("\n".join(lines), pytrace=False)


def _expect_same(req_id: str, module: types.ModuleType, name: str, *args: Any, **kwargs: Any) -> str:
    """The target's ``name(*args, **kwargs)`` must give what urllib.parse's gives; returns that result."""
    __tracebackhide__ = True
    ref = _reference(name, *args, **kwargs)
    got = _call(_function(module, req_id, name), args, kwargs)
    if not got.same_as(ref):
        _fail(req_id, module, f"{name}() differs from urllib.parse.{name}()", call=_show_call(name, args, kwargs),
              ref=ref, got=got, hints=_likely_mistakes(name, args, kwargs, ref, got))
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


def _vectors(req_id: str, level: str = "MUST") -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    return [v for v in vectors if v["requirement"] == req_id and v["level"] == level]


def check_vectors(module: types.ModuleType, req_id: str, level: str = "MUST") -> None:
    """Every vector of ``req_id`` at ``level`` gives its expected result (or raises its exception)."""
    __tracebackhide__ = True
    for vector in _vectors(req_id, level):
        name = vector["function"]
        first, *rest = vector["args"]
        args = (_query_from_json(first) if name == "urlencode" else _from_json(first), *map(_from_json, rest))
        kwargs = {k: _from_json(v) for k, v in vector["kwargs"].items()}
        ref = Outcome(vector["expected"]) if "expected" in vector else _reference(name, *args, **kwargs)
        got = _call(_function(module, req_id, name), args, kwargs)
        if not got.same_as(ref):
            _fail(req_id, module, f"{name}() gives the wrong result for a test vector ({vector['note']})",
                  call=_show_call(name, args, kwargs), ref=ref, got=got, source="fixtures/quoting/vectors.json",
                  hints=_likely_mistakes(name, args, kwargs, ref, got))


# -- strategies ------------------------------------------------------------------------------------

ASCII = st.characters(max_codepoint=0x7F)
URL_TEXT = "abcXYZ019 -._~!*'();:@&=+$,/?#[]%\"<>\\^`{|}\t\né€\U0001f600"
#: Any text (the whole of Unicode but surrogates), or text made of the characters URLs care about.
texts = st.text() | st.text(alphabet=st.sampled_from(URL_TEXT))
#: Mostly ASCII safe sets; non-ASCII characters in ``safe`` are ignored by urllib.parse.
safe_sets = st.text(alphabet=ASCII, max_size=8) | st.text(max_size=4) | st.sampled_from(["/", "", "@:", "/+"])


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
queries = st.dictionaries(scalars, values, max_size=5) | st.lists(st.tuples(scalars, values), max_size=5)


def one_bug() -> settings:
    """The active profile's settings, but report only the first bug found (one clear message per spec)."""
    return settings(report_multiple_bugs=False)


# -- the specs -------------------------------------------------------------------------------------

@pytest.mark.req("QUOTE-1")
def test_quote_matches_urllib(quote_module: types.ModuleType) -> None:
    """``quote`` gives what ``urllib.parse.quote`` gives, for any text and any ``safe`` set: UTF-8, upper-case hex,
    ``~`` unreserved."""
    check_vectors(quote_module, "QUOTE-1")

    @one_bug()
    @given(text=texts, safe=safe_sets)
    @example(text="a b/é~", safe="/")  # lower-case hex, Latin-1, '~' escaped
    @example(text="a@b:c/d=e&f", safe="@:=&")  # safe ignored
    @example(text="!*'();:@&=+$,/?#[]", safe="/")
    @example(text="é€ x/", safe="é€ ")  # non-ASCII in safe is ignored
    @example(text="~user", safe="")
    def differential(text: str, safe: str) -> None:
        _expect_same("QUOTE-1", quote_module, "quote", text, safe=safe)

    differential()


@pytest.mark.req("QUOTE-2")
def test_quote_plus_matches_urllib(quote_module: types.ModuleType) -> None:
    """``quote_plus`` gives what ``urllib.parse.quote_plus`` gives: spaces become ``+``, never a space or ``%20``."""
    check_vectors(quote_module, "QUOTE-2")

    @one_bug()
    @given(text=texts, safe=safe_sets)
    @example(text="a b+c/d", safe="")  # %20 instead of '+'
    @example(text="a b+c/d", safe="/")
    @example(text="a+b c", safe="+")
    @example(text=" é ~", safe="")
    def differential(text: str, safe: str) -> None:
        got = _expect_same("QUOTE-2", quote_module, "quote_plus", text, safe=safe)
        if " " in got:  # the reference never leaves one (a space in safe is also turned into '+')
            _fail("QUOTE-2", quote_module, "quote_plus() left a space in its result",
                  call=_show_call("quote_plus", (text,), {"safe": safe}), hints=["quote_plus spaces"])

    differential()


@pytest.mark.req("QUOTE-3")
def test_unquote_matches_urllib(quote_module: types.ModuleType) -> None:
    """``unquote`` gives what ``urllib.parse.unquote`` gives; malformed escapes (``%``, ``%zz``, ``%e2%82``) pass
    through or decode as it does, without an error."""
    check_vectors(quote_module, "QUOTE-3")

    @one_bug()
    @given(text=escaped_strings())
    @example(text="%")  # malformed escapes pass through
    @example(text="%zz")
    @example(text="%e2%82")  # truncated UTF-8: one U+FFFD
    @example(text="%E2%82%AC%")
    @example(text="a+b%2B%2bé%20")
    def differential(text: str) -> None:
        _expect_same("QUOTE-3", quote_module, "unquote", text)

    differential()


@pytest.mark.req("QUOTE-4")
def test_unquote_plus_matches_urllib(quote_module: types.ModuleType) -> None:
    """``unquote_plus`` gives what ``urllib.parse.unquote_plus`` gives (``+`` is a space)."""
    check_vectors(quote_module, "QUOTE-4")

    @one_bug()
    @given(text=escaped_strings())
    @example(text="a+b%2Bc%20d")
    @example(text="%")
    @example(text="%zz+%e2%82+")
    def differential(text: str) -> None:
        _expect_same("QUOTE-4", quote_module, "unquote_plus", text)

    differential()


@pytest.mark.req("QUOTE-5")
def test_urlencode_matches_urllib(quote_module: types.ModuleType) -> None:
    """``urlencode`` gives what ``urllib.parse.urlencode`` gives, for mappings and pair lists, with ``doseq`` true
    and false."""
    check_vectors(quote_module, "QUOTE-5")

    @one_bug()
    @given(query=queries, doseq=st.booleans(), safe=st.sampled_from(["", "/", "@:"]))
    @example(query={"a": ["1", "2"]}, doseq=True, safe="")  # doseq ignored
    @example(query={"a": ("x y", b"z"), "b": []}, doseq=True, safe="")
    @example(query={"a": ["1", "2"]}, doseq=False, safe="")
    @example(query=[("k", b"\xff b"), (1, 2)], doseq=False, safe="")
    @example(query={"p": "a/b c~"}, doseq=False, safe="/")
    def differential(query: dict[Any, Any] | list[tuple[Any, Any]], doseq: bool, safe: str) -> None:
        _expect_same("QUOTE-5", quote_module, "urlencode", query, doseq=doseq, safe=safe)

    differential()


@pytest.mark.req("QUOTE-6")
def test_quote_round_trips_with_unreserved_safe_and_escapes(quote_module: types.ModuleType) -> None:
    """``unquote(quote(s)) == s`` for every text, and ``quote`` uses only unreserved characters, the ``safe`` ones
    and ``%XX`` escapes with upper-case hex.

    ``%XX`` escapes use upper-case hex. ``safe`` here is any set of characters but ``%``
    (a literal ``%`` could not round-trip).
    """
    quote = _function(quote_module, "QUOTE-6", "quote")
    unquote = _function(quote_module, "QUOTE-6", "unquote")

    @one_bug()
    @given(text=texts, safe=safe_sets.map(lambda s: s.replace("%", "")))
    @example(text="é a~/%", safe="/")  # lower-case hex
    @example(text="naïve café/menu", safe="")  # safe ignored: the "/" must be escaped
    def properties(text: str, safe: str) -> None:
        quoted = _call(quote, (text,), {"safe": safe})
        call = _show_call("quote", (text,), {"safe": safe})
        hints = _likely_mistakes("quote", (text,), {"safe": safe}, _reference("quote", text, safe=safe), quoted)
        if not isinstance(quoted.value, str):
            _fail("QUOTE-6", quote_module, f"quote() did not return a str: it {quoted}", call=call, hints=hints)
        allowed, at = UNRESERVED | set(safe), 0
        while at < len(quoted.value):
            if _ESCAPE.match(quoted.value, at):
                at += 3
                continue
            if quoted.value[at] not in allowed:
                lower = _LOWER_HEX.match(quoted.value, at) is not None
                _fail("QUOTE-6", quote_module, f"quote() emitted {quoted.value[at:at + 3]!r} at {at}: "
                      "neither an unreserved character, nor one in safe, nor an upper-case %XX escape",
                      call=call, details=f"quote gave {quoted.value!r}",
                      hints=[*(["lower-case hex"] if lower else []), *hints])
            at += 1
        back = _call(unquote, (quoted.value,), {})
        if back.value != text:
            _fail("QUOTE-6", quote_module, "unquote(quote(s)) is not s", call=f"unquote({call})",
                  ref=Outcome(text), got=back, source="the original text",
                  details=f"quote gave {quoted.value!r}", hints=hints)

    properties()
