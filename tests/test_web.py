"""URL clients run as written (no ``{url}``): the book's programs, the namespace, the refusal.

Such a client runs in a network namespace of its own with only loopback, and reaches the
web through the suite's proxy: python.org, over http and https, is served from the
fixture pages on 127.0.0.1.
"""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

from netconform.specs.harness.launch.pool import TargetPool
from netconform.specs.harness.launch.settings import Settings, TargetUnavailable
from netconform.specs.harness.launch.targets import TargetSpec
from netconform.specs.harness.observe.client_target import ClientTarget
from netconform.specs.harness.observe.server_target import ServerTarget
from netconform.specs.harness.platform import netns
from netconform.specs.harness.wire.suite_servers import http_fixture
from tests.suite import run_suite

#: Goes around the proxy three ways, then prints its namespace's interfaces and their counters.
GOES_AROUND = textwrap.dedent("""
    import socket, sys, urllib.request
    for host, port in (("151.101.0.223", 80), ("2a04:4e42::223", 443)):
        try:
            socket.create_connection((host, port), timeout=30).close()
            print("REACHED", host)
        except OSError as exc:
            print("unreachable", host, exc.errno)
    print("--- /proc/net/dev")
    print(open("/proc/net/dev").read())
    sys.stdout.flush()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open("http://www.python.org", timeout=30)
""")


@pytest.mark.netjail
def test_a_client_going_around_the_proxy_reaches_nothing_and_is_told_why(tmp_path: Path) -> None:
    """Its own namespace holds loopback alone (its /proc/net/dev: no other interface, no byte counted): a
    direct connection fails at once, and the failure says why."""
    (tmp_path / "around.py").write_text(GOES_AROUND)
    spec = TargetSpec(role="link-client", name="around", command=(sys.executable, "around.py"), cwd=str(tmp_path))
    pool = TargetPool(Settings(), ServerTarget, ClientTarget)
    target = ClientTarget(spec, Settings(net_timeout=5.0, run_id="test-web"), pool)
    start = time.monotonic()
    with http_fixture() as server, pytest.raises(TargetUnavailable) as raised:
        target.run(url=server.url("index.html"))
    assert time.monotonic() - start < 10, "a direct connection should fail at once, not hang"
    message = str(raised.value)
    assert "tried to reach www.python.org directly: netconform serves the web through a proxy" in message
    assert target.last is not None
    out = target.last.stdout.decode()
    assert "REACHED" not in out, out
    assert out.count("unreachable") == 2, out
    counters = out.split("--- /proc/net/dev\n", 1)[1].splitlines()[2:]  # after its two header lines
    interfaces = [line.split(":")[0].strip() for line in counters if line.strip()]
    assert interfaces == ["lo"], f"the namespace has more than loopback:\n{out}"
    lo = counters[0].split(":", 1)[1].split()
    assert lo[0] == lo[8] == "0", f"the attempts went nowhere, not even to loopback (bytes in, out):\n{out}"


def test_without_a_namespace_the_run_is_refused_at_once(tmp_path: Path) -> None:
    """Where no namespace can be made, a URL client without {url} is refused before any spec, saying what to do."""
    start = time.monotonic()
    run = run_suite(["--impl", f"link-client={sys.executable} fixtures/book/web_about_link.py"], tmp_path,
                    env={netns.SIMULATE_NO_NAMESPACE: "1"}, timeout=60)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.output[-3000:]
    assert not run.results
    assert time.monotonic() - start < 30
    for phrase in ("no {url} in the command", "none can be made here", "add {url} to the command",
                   "--allow-real-network"):
        assert phrase in run.output, run.output[-3000:]


def test_allow_real_network_runs_it_without_a_namespace(tmp_path: Path) -> None:
    """``--allow-real-network``: no namespace, the proxy in the environment all the same (a program that uses
    it, as the book's does, still reaches only the suite's web)."""
    run = run_suite(["--impl", f"link-client:about={sys.executable} fixtures/book/web_about_link.py",
                     "--allow-real-network", "--requirement", "URL-4"], tmp_path,
                    env={netns.SIMULATE_NO_NAMESPACE: "1"}, timeout=120)
    assert run.verdicts() == {("about", "URL-4"): "passed"}, run.output[-3000:]


BOOK = {  # program: (role, requirements that fail)
    "web_about_link": ("link-client", {"URL-6", "URL-7"}),
    "web_about_link_https": ("link-client", {"URL-6", "URL-7"}),
    "web_retrieve": ("download-client", set()),
}


@pytest.mark.netjail
@pytest.mark.timeout(300)
def test_the_books_url_programs_run_as_written(tmp_path: Path) -> None:
    """The book's About-link program (http and https) and its urlretrieve to ``C:\\python_webpage.html``, with
    hard-coded URLs, get the verdicts of the same programs given ``{url}``: the regex misses other forms of
    the link (URL-6) and raises on a page without one (URL-7); the download passes."""
    impls = [a for name, (role, _) in BOOK.items()
             for a in ("--impl", f"{role}:{name}={sys.executable} fixtures/book/{name}.py")]
    run = run_suite([*impls, "-n", "2"], tmp_path, timeout=280)
    for name, (_role, failing) in BOOK.items():
        mine = run.for_target(name)
        assert mine, run.output[-3000:]
        failed = {r["requirement"] for r in mine if r["outcome"] == "failed"}
        assert failed == failing, f"{name}: {failed}\n{run.output[-4000:]}"
        assert all(r["outcome"] in ("passed", "failed") for r in mine), mine
