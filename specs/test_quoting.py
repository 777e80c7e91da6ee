"""Quoting module specs (QUOTE-*): quote, quote_plus, unquote, unquote_plus and urlencode.

The book's urllib quoting functions, with the semantics of Python 3.7+'s
``urllib.parse`` (``~`` is unreserved). Each ``quote-module`` target is a module
exposing the five functions; every spec compares it with ``urllib.parse`` itself: first
on the cases of ``fixtures/quoting/vectors.json`` that belong to the requirement (its
MUST ones), then on inputs Hypothesis draws. A mismatch shows the call, the reference's
and the target's results side by side, and the likely mistake (``harness/observe/quote_differential.py``).
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .harness.observe.quote_differential import (
    LOWER_HEX,
    Call,
    ModuleTarget,
    Outcome,
    check_vectors,
    escaped_strings,
    expect_same,
    fail,
    function,
    likely_mistakes,
    one_bug,
    queries,
    safe_sets,
    str_safe_sets,
    stray_character,
    texts,
    texts_with_safe,
)


@pytest.mark.req("QUOTE-1")
def test_quote_matches_urllib(quote_module: types.ModuleType) -> None:
    """``quote`` gives what ``urllib.parse.quote`` gives, for any text and any ``safe`` (str or bytes): UTF-8,
    upper-case hex, ``~`` unreserved; ``safe`` adds to the unreserved characters, and only its ASCII characters
    count."""
    target = ModuleTarget(quote_module, "QUOTE-1")
    check_vectors(target)

    @one_bug()
    @given(text=texts_with_safe, safe=safe_sets)
    @example(text="a b/é~", safe="/")  # lower-case hex, Latin-1, '~' escaped
    @example(text="a-b_c.d~e/f", safe="-~/")  # a safe character that is unreserved stays literal
    @example(text="\x7f\x80é /", safe=b"\x7f\x80\xc3/")  # a bytes safe: its bytes below 128 only (DEL counts)
    @example(text="a@b:c/d=e&f", safe="@:=&")  # safe ignored
    @example(text="!*'();:@&=+$,/?#[]", safe="/")
    @example(text="é€ x/", safe="é€ ")  # non-ASCII in safe is ignored
    @example(text="~user", safe="")
    def differential(text: str, safe: str | bytes) -> None:
        expect_same(target, "quote", text, safe=safe)

    differential()


@pytest.mark.req("QUOTE-2")
def test_quote_plus_matches_urllib(quote_module: types.ModuleType) -> None:
    """``quote_plus`` gives what ``urllib.parse.quote_plus`` gives, with any ``safe`` (str or bytes): spaces become
    ``+``, never a space or ``%20``."""
    target = ModuleTarget(quote_module, "QUOTE-2")
    check_vectors(target)

    @one_bug()
    @given(text=texts_with_safe, safe=safe_sets)
    @example(text="a b+c/d", safe="")  # %20 instead of '+'
    @example(text="a b+c/d", safe="/")
    @example(text="a+b c", safe="+")
    @example(text=" é ~", safe="")
    @example(text="a b/c~", safe=b"/~")  # a bytes safe
    def differential(text: str, safe: str | bytes) -> None:
        got = expect_same(target, "quote_plus", text, safe=safe)
        if " " in got:  # the reference never leaves one (a space in safe is also turned into '+')
            fail(target, "quote_plus() left a space in its result", call=Call("quote_plus", (text,), {"safe": safe}),
                 hints=["quote_plus spaces"])

    differential()


@pytest.mark.req("QUOTE-3")
def test_unquote_matches_urllib(quote_module: types.ModuleType) -> None:
    """``unquote`` gives what ``urllib.parse.unquote`` gives; malformed escapes (``%``, ``%zz``, ``%e2%82``) pass
    through or decode as it does, without an error."""
    target = ModuleTarget(quote_module, "QUOTE-3")
    check_vectors(target)

    @one_bug()
    @given(text=escaped_strings())
    @example(text="%")  # malformed escapes pass through
    @example(text="%zz")
    @example(text="%e2%82")  # truncated UTF-8: one U+FFFD
    @example(text="%E2%82%AC%")
    @example(text="a+b%2B%2bé%20")
    def differential(text: str) -> None:
        expect_same(target, "unquote", text)

    differential()


@pytest.mark.req("QUOTE-4")
def test_unquote_plus_matches_urllib(quote_module: types.ModuleType) -> None:
    """``unquote_plus`` gives what ``urllib.parse.unquote_plus`` gives (``+`` is a space)."""
    target = ModuleTarget(quote_module, "QUOTE-4")
    check_vectors(target)

    @one_bug()
    @given(text=escaped_strings())
    @example(text="a+b%2Bc%20d")
    @example(text="%")
    @example(text="%zz+%e2%82+")
    def differential(text: str) -> None:
        expect_same(target, "unquote_plus", text)

    differential()


@pytest.mark.req("QUOTE-5")
def test_urlencode_matches_urllib(quote_module: types.ModuleType) -> None:
    """``urlencode`` gives what ``urllib.parse.urlencode`` gives, for mappings and pair lists, with ``doseq`` true
    and false, and refuses anything else (a str, a sequence whose first item is not a tuple) with ``TypeError``."""
    target = ModuleTarget(quote_module, "QUOTE-5")
    check_vectors(target)

    @one_bug()
    @given(query=queries, doseq=st.booleans(), safe=st.sampled_from(["", "/", "@:"]))
    @example(query={"a": ["1", "2"]}, doseq=True, safe="")  # doseq ignored
    @example(query={"a": ("x y", b"z"), "b": []}, doseq=True, safe="")
    @example(query={"a": ["1", "2"]}, doseq=False, safe="")
    @example(query=[("k", b"\xff b"), (1, 2)], doseq=False, safe="")
    @example(query={"p": "a/b c~"}, doseq=False, safe="/")
    @example(query=["ab", "cd"], doseq=False, safe="")  # not pairs: TypeError
    @example(query=[["k", "v"]], doseq=True, safe="")  # lists, not tuples: TypeError
    def differential(query: Any, doseq: bool, safe: str) -> None:
        expect_same(target, "urlencode", query, doseq=doseq, safe=safe)

    differential()


@pytest.mark.req("QUOTE-6")
def test_quote_round_trips_with_unreserved_safe_and_escapes(quote_module: types.ModuleType) -> None:
    """``unquote(quote(s)) == s`` for every text, and ``quote`` uses only unreserved characters, the ``safe`` ones
    and ``%XX`` escapes with upper-case hex.

    ``%XX`` escapes use upper-case hex. ``safe`` here is any set of characters but ``%``
    (a literal ``%`` could not round-trip).
    """
    target = ModuleTarget(quote_module, "QUOTE-6")
    quote, unquote = function(target, "quote"), function(target, "unquote")

    @one_bug()
    @given(text=texts, safe=str_safe_sets.map(lambda s: s.replace("%", "")))
    @example(text="é a~/%", safe="/")  # lower-case hex
    @example(text="naïve café/menu", safe="")  # safe ignored: the "/" must be escaped
    @example(text="a+b c", safe="+")  # a "+" left by quote must survive unquote
    def properties(text: str, safe: str) -> None:
        call = Call("quote", (text,), {"safe": safe})
        quoted = call.on(quote)
        hints = likely_mistakes(call, call.reference(), quoted)
        if not isinstance(quoted.value, str):
            fail(target, f"quote() did not return a str: it {quoted}", call=call, hints=hints)
        at = stray_character(quoted.value, safe)
        if at is not None:
            lower = ["lower-case hex"] if LOWER_HEX.match(quoted.value, at) else []
            fail(target, f"quote() emitted {quoted.value[at:at + 3]!r} at {at}: neither an unreserved character, "
                 "nor one in safe, nor an upper-case %XX escape", call=call, details=f"quote gave {quoted.value!r}",
                 hints=[*lower, *hints])
        back_call = Call("unquote", (quoted.value,))
        back = back_call.on(unquote)
        if back.value != text:
            fail(target, "unquote(quote(s)) is not s", call=f"unquote({call})", ref=Outcome(text), got=back,
                 source="the original text", details=f"quote gave {quoted.value!r}",
                 hints=[*hints, *likely_mistakes(back_call, back_call.reference(), back)])

    properties()
