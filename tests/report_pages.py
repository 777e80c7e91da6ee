"""Reading a conformance report back: synthetic payloads, the HTML page parsed with the stdlib's
html.parser, and the checks every report must pass against its payload's verdicts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any

WHEN = datetime(2024, 5, 17, 12, 30, 0, tzinfo=timezone.utc)
NASTY = '<script>alert("x")</script> & http://example.com/a //b <img src="x.png"> <link href="y">'
LONG = "".join(f"line {i}: expected b'Thank you for connecting'\n" for i in range(2000))


def requirement(level: str, text: str, section: str = "Greeting server (`greeting-server`)") -> dict[str, str]:
    return {"level": level, "text": text, "section": section}


def result(role: str, target: str, req: str, level: str, outcome: str, message: str = "",
         events: list[str] | None = None, test: str = "test_x") -> dict[str, Any]:
    return {"nodeid": f"specs/test_{req.split('-')[0].lower()}.py::{test}[{target}]", "target": target, "role": role,
            "requirement": req, "level": level, "outcome": outcome, "message": message, "events": events or [],
            "duration": 0.01}


NA = "not applicable: iterative serves one client at a time by design (model iterative)"
GS, LS = "greeting-server", "logger-server"
ODD = "my server/v2"  # a name that needs sanitizing in anchors


def synthetic() -> dict[str, Any]:
    """Two targets named alike in two roles, one oddly named failing target, one never run."""
    return {
        "requirements": {
            "GREET-1": requirement("MUST", "Each client receives exactly `Thank you for connecting`."),
            "GREET-2": requirement("MUST", "The greeting is sent as soon as the client connects."),
            "GREET-8": requirement("SHOULD", "A client that resets does not stop the server."),
            "LOG-1": requirement("MUST", "Each connection is logged.", "Logging servers"),
            "LOG-3": requirement("SHOULD", "The book's wording is used.", "Logging servers"),
            "CONC-1": requirement("MUST", "Clients are served at once.", "Concurrency"),
            "RES-1": requirement("SHOULD", "No zombie children are left.", "Resources"),
        },
        "targets": [
            {"role": GS, "name": "iterative", "command": "python -m reference.iterative.greeting_server --port 0",
             "origin": "reference", "model": "iterative", "concurrent": False},
            {"role": GS, "name": ODD, "command": "python3 'my server.py' {port} | tee log",
             "origin": "user", "model": "unknown", "concurrent": True},
            {"role": LS, "name": "iterative", "command": "python -m reference.iterative.logger_server --port 0",
             "origin": "reference", "model": "iterative", "concurrent": False},
            {"role": LS, "name": "unused", "command": "python3 unused.py {port}", "origin": "user",
             "model": "unknown", "concurrent": True},
        ],
        "results": [
            result(GS, "iterative", "GREET-1", "MUST", "passed"),
            result(GS, "iterative", "GREET-2", "MUST", "passed"),
            result(GS, "iterative", "GREET-8", "SHOULD", "passed"),
            result(GS, "iterative", "CONC-1", "MUST", "not applicable", NA),
            result(GS, ODD, "GREET-1", "MUST", "failed", "GREET-1 (MUST) not met: " + NASTY,
                 events=[f"{ODD}: restarted for test_x: the previous process had exited with code 0"]),
            result(GS, ODD, "GREET-1", "MUST", "failed", LONG, test="test_y"),
            result(GS, ODD, "GREET-2", "MUST", "passed"),
            result(GS, ODD, "GREET-8", "SHOULD", "failed", "```\nfenced ``` inside\n```"),
            result(GS, ODD, "RES-1", "SHOULD", "passed"),
            result(LS, "iterative", "LOG-1", "MUST", "passed"),
            result(LS, "iterative", "LOG-3", "SHOULD", "failed", "wording differs: 'Got connection from'"),
            result(LS, "iterative", "CONC-1", "MUST", "not applicable", NA),
            result(LS, "iterative", "RES-1", "SHOULD", "skipped", "python2 is not installed"),
        ],
    }


class Page(HTMLParser):
    """What the tests read from a report: ids, links, matrix rows and cells, failure entries."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.families: list[str] = []
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}
        self.failures: dict[str, dict[str, Any]] = {}
        self.sections: dict[str, str] = {}  # element id -> its text (events headings, requirement rows)
        self._table: str | None = None
        self._row: dict[str, Any] | None = None
        self._cell: dict[str, Any] | None = None
        self._failure: dict[str, Any] | None = None
        self._pre = False
        self._open: list[tuple[str, str]] = []  # (tag, id) of the open elements that have an id
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids.append(a["id"])
            self._open.append((tag, a["id"]))
            self.sections[a["id"]] = ""
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            for holder in (self._cell, self._failure):
                if holder is not None:
                    holder["links"].append(a["href"])
        if tag == "table":
            self._table = a.get("class")
        elif tag == "th" and self._table == "matrix" and "data-family" in a:
            self.families.append(a["data-family"])
        elif tag == "tr" and self._table == "matrix" and "data-target" in a:
            self._row = {"attrs": a, "cells": {}, "verdict": None}
            self.rows[a["data-role"], a["data-target"]] = self._row
        elif tag == "td" and self._row is not None and "data-family" in a:
            self._cell = {"attrs": a, "links": []}
            self._row["cells"][a["data-family"]] = self._cell
        elif tag == "td" and self._row is not None and "data-verdict" in a:
            self._row["verdict"] = a["data-verdict"]
        elif tag == "li" and a.get("id", "").startswith("fail-"):
            self._failure = {"attrs": a, "links": [], "text": "", "pre": ""}
            self.failures[a["id"]] = self._failure
        elif tag == "pre":
            self._pre = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag == "tr":
            self._row = None
        elif tag == "td":
            self._cell = None
        elif tag == "li":
            self._failure = None
        elif tag == "pre":
            self._pre = False
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._failure is not None:
            self._failure["pre" if self._pre else "text"] += data
        for _, open_id in self._open:
            self.sections[open_id] += data


def expected_counts(payload: dict[str, Any]) -> dict[tuple[str, str], dict[str, Counter[str]]]:
    """(role, target) -> family -> the counts a cell shows, computed straight from the results."""
    out: dict[tuple[str, str], dict[str, Counter[str]]] = {}
    for r in payload["results"]:
        c = out.setdefault((r["role"], r["target"]), {}).setdefault(r["requirement"].split("-")[0], Counter())
        if r["outcome"] == "not applicable":
            c["na"] += 1
        elif r["outcome"] == "skipped":
            c["skipped"] += 1
        elif r["outcome"] == "blocked":  # not judged: counted apart, not in a level's total
            c["blocked"] += 1
        else:
            c[f"{r['level'].lower()}-total"] += 1
            c[f"{r['level'].lower()}-passed"] += r["outcome"] == "passed"
    return out


KEYS = ("must-passed", "must-total", "should-passed", "should-total", "na", "skipped")


def check_html(payload: dict[str, Any], text: str) -> Page:
    """Everything a report must satisfy for any payload; returns the parsed page."""
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>")
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    for href in page.hrefs:
        assert href.startswith("#"), href
        assert href[1:] in page.ids, f"{href} points to no id"
    for needle in ("http://", "https://", "//", "<script", "<link", "src="):
        assert needle not in text.lower(), needle
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(page.tags)
    expected = expected_counts(payload)
    assert set(page.rows) == set(expected)
    families = {fam for cells in expected.values() for fam in cells}
    assert set(page.families) == families
    for key, row in page.rows.items():
        assert set(row["cells"]) == families
        for fam, cell in row["cells"].items():
            got = {k: int(cell["attrs"][f"data-{k}"]) for k in KEYS}
            assert got == {k: expected[key].get(fam, Counter())[k] for k in KEYS}, (key, fam)
    # every failed spec has an entry: its requirement linked, its node id, its whole message
    failed = [r for r in payload["results"] if r["outcome"] == "failed"]
    entries = list(page.failures.values())
    assert len(entries) == len(failed)
    unmatched = list(entries)
    for res in failed:  # in the report's order, not necessarily the payload's (workers finish in any order)
        entry = next((e for e in unmatched if res["nodeid"] in e["text"] and e["pre"] == res["message"]
                      and e["attrs"]["data-requirement"] == res["requirement"]), None)
        assert entry is not None, f"no entry for {res['nodeid']} ({res['requirement']})"
        unmatched.remove(entry)
        assert f"#req-{res['requirement'].lower()}" in entry["links"]
        assert res["nodeid"] in entry["text"]
        assert entry["pre"] == res["message"]
    # every failing (target, requirement) is linked from its cell to an entry of that requirement
    for res in failed:
        cell = page.rows[res["role"], res["target"]]["cells"][res["requirement"].split("-")[0]]
        linked = {page.failures[href[1:]]["attrs"]["data-requirement"] for href in cell["links"]}
        assert res["requirement"] in linked
    # the Requirements section lists every requirement
    for req_id, req in payload["requirements"].items():
        assert req["level"] in page.sections[f"req-{req_id.lower()}"]
    return page
