"""The book's own programs, run unmodified under Python 2, pass the MUST specs of their role.

They all listen on the fixed port 1234 without SO_REUSEADDR. Each runs in its own
network namespace (``netns`` capability), so the four can run side by side and none
waits for another's connections in TIME_WAIT to expire.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite import run_suite

GREETING_SERVERS = ["minimal_server", "socketserver_server", "forking_server", "threading_server"]


@pytest.mark.python2
@pytest.mark.netns
@pytest.mark.parametrize("program", GREETING_SERVERS)
def test_book_greeting_server_passes_the_must_specs(program: str, tmp_path: Path) -> None:
    """Listings 14-1, 14-3, 14-4 and 14-5 (port 1234, gethostname() or '') pass every MUST."""
    impl = f"greeting-server:book_{program}=python2 fixtures/book/{program}.py"
    run = run_suite(["--impl", impl, "-m", "must"], tmp_path, own_network=True)
    assert run.results, run.output[-3000:]
    assert {r["target"] for r in run.results} == {f"book_{program}"}
    failed = [r["nodeid"] for r in run.results if r["outcome"] != "passed"]
    assert not failed, f"{failed}\n{run.output[-4000:]}"
    assert not [r for r in run.results if r["events"]], "the target had to be restarted or waited for"
