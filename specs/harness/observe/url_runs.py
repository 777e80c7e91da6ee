"""URL clients run as written: the book's programs hard-code ``http://www.python.org`` and a file name.

A ``fetch-client``, ``link-client`` or ``download-client`` whose command has no ``{url}``
runs, for each spec, in a network namespace of its own (``netns.py``) with only
loopback, in a private working folder, with the suite's proxy (``wire/web_proxy.py``) in its
proxy variables and the run's test certificate authority in ``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``. Whatever URL it asks for first is answered
with the page the spec shows; what a download client saved in its working folder (any
name, ``C:\\python_webpage.html`` included) is what the spec reads as ``{output}``. A page
that cannot be shown at an ``http(s)://`` URL (a ``file:`` URL) makes the spec not
applicable. A program that goes around the proxy reaches nothing, and fails every spec
with a message that says so.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from ..judge import matchers
from ..judge.findings import Unavailable, not_applicable
from ..judge.hints import Evidence
from ..launch import capabilities
from ..launch.settings import TargetUnavailable
from ..launch.targets import render_argv, target_env
from ..platform import netns, socket_folders
from ..wire.web_proxy import ProxyLog, ProxyRun, TestAuthority

if TYPE_CHECKING:
    from ..launch.client_runs import ClientRun
    from ..launch.process_group import ProcessGroup
    from .client_target import ClientTarget

#: What a client that went around the proxy prints: its name lookup or connection found no network.
WENT_DIRECT = re.compile(r"name resolution|Name or service not known|nodename nor servname|getaddrinfo|"
                         r"No address associated|Errno -[235]\b|Network is unreachable|Errno 101|NameResolution|"
                         r"Failed to resolve|Failed to establish a new connection|No route to host")
_HOST_IN_OUTPUT = re.compile(r"host='([\w.-]+)'|https?://([\w.-]+)")
_PAGE = re.compile(r"http://127\.0\.0\.1:(\d+)(/.*)?")
_authority: TestAuthority | None = None


def authority() -> TestAuthority:
    """This process's test certificate authority (one per run, in netconform's private folder)."""
    global _authority
    if _authority is None or not _authority.folder.parent.is_dir():
        _authority = TestAuthority(socket_folders.root() / "test-ca")
    return _authority


def _absolute(argv: list[str], cwd: str | None) -> list[str]:
    """Arguments naming files in the target's folder, made absolute: it runs in a working folder of its own."""
    base = Path(cwd or ".")
    return [str((base / token).resolve()) if not token.startswith("-") and not Path(token).is_absolute()
            and (base / token).exists() else token for token in argv]


def hosts_named(target: ClientTarget, text: str) -> list[str]:
    """The hosts a program went for: named in its output, else in its source files' URLs."""
    found = [a or b for a, b in _HOST_IN_OUTPUT.findall(text)]
    for token in target.spec.command:
        source = Path(target.spec.cwd or ".") / token
        if not found and token.endswith(".py") and source.is_file():
            found = [b for _, b in _HOST_IN_OUTPUT.findall(source.read_text("utf-8", "replace"))]
    return [h for h in dict.fromkeys(found) if not h.startswith("127.")]


def _went_direct(target: ClientTarget, run: ClientRun, log: ProxyLog) -> None:
    """Fail the spec (and every later one) if the program reached for the network without the proxy."""
    __tracebackhide__ = True
    text = (run.stderr + run.stdout).decode("utf-8", "replace")
    if log.urls:
        return
    host = (hosts_named(target, text) or ["a web server"])[0]
    if log.tls_failures:
        reason = (f"could not fetch {host} through netconform's proxy: the TLS handshake failed "
                  f"({log.tls_failures[0]}). For https://, the proxy presents a certificate of a test authority "
                  "made for this run, named in SSL_CERT_FILE (and REQUESTS_CA_BUNDLE): use the default trust store "
                  "(ssl.create_default_context(), urlopen's default), not a bundle of your own, or take the URL from "
                  "the command line and give {url} in the command")
    elif WENT_DIRECT.search(text):
        reason = (f"tried to reach {host} directly: netconform serves the web through a proxy (the http_proxy and "
                  "https_proxy environment variables, which urllib and requests honour), and this program did not "
                  "use it. It runs in a network namespace of its own, where only loopback exists, so it reached "
                  "nothing. Leave the proxy settings alone (urlopen and urlretrieve use them by default; no "
                  "ProxyHandler({}), proxies={} or trust_env=False), or take the URL from the command line and "
                  "give {url} in the command")
    else:
        return
    message, finding = matchers.startup_failure(target, reason, Evidence(
        phase="startup", stderr=target.stderr_text(), stdout=target.stdout_text()))
    target.unusable = Unavailable(message, finding)
    raise target.unusable


def _page(url: str) -> tuple[tuple[str, int], str]:
    """The fixture server's address and the path of the page a spec shows at ``url``; not applicable otherwise."""
    match = _PAGE.fullmatch(url)
    if match is None:
        shown = "a file: URL" if url.startswith("file:") else url
        not_applicable(f"the program fetches the URL written in it (no {{url}} in its command), and {shown} cannot "
                       "be shown at an http(s):// URL")
    return ("127.0.0.1", int(match.group(1))), match.group(2) or "/"


def _saved(work: Path, output: str | None, target: ClientTarget) -> None:
    """Copy the file the program saved in its working folder to ``output`` (the newest, if several)."""
    if target.spec.role != "download-client":
        return
    files = sorted((p for p in work.rglob("*") if p.is_file()), key=lambda p: p.stat().st_mtime_ns)
    if not files:
        target.transcript.add("suite", "it saved no file in its working folder")
    elif output:
        shutil.copyfile(files[-1], output)
        target.transcript.add("suite", f"it saved {files[-1].name!r} in its working folder"
                              + (f" (and {len(files) - 1} other file(s))" if len(files) > 1 else ""))


def run_as_written(target: ClientTarget, url: str, output: str | None, timeout: float | None) -> ClientRun:
    """Run a client that hard-codes its URL once, showing the page at ``url`` (the fixture server's) to it."""
    __tracebackhide__ = True
    if target.unusable is not None:
        raise target.unusable.repeated("\n  (this happened in an earlier spec; every spec of this target fails "
                                       "with it)")
    upstream, page = _page(url)
    prefix = netns.namespace_prefix()
    if prefix is None and not target.settings.allow_real_network:
        raise TargetUnavailable(capabilities.refusal([target.spec], False) or "no network namespace")
    folder = socket_folders.folder()
    work, tmpdir = folder / "work", folder / "tmp"
    work.mkdir()
    tmpdir.mkdir()
    jail = netns.Jail(folder, prefix)
    argv = _absolute(render_argv(target.spec, {"url": "", "output": ""}), target.spec.cwd)
    ca = authority().pem_path
    env = target_env(target.spec, target.settings.run_id, TMPDIR=str(tmpdir), TEMP=str(tmpdir), TMP=str(tmpdir),
                     SSL_CERT_FILE=ca, REQUESTS_CA_BUNDLE=ca, CURL_CA_BUNDLE=ca)
    proxies: list[ProxyRun] = []

    def started(group: ProcessGroup) -> None:
        listener = jail.receive(lambda: group.returncode is None, target.settings.startup_timeout)
        if listener is not None:
            proxies.append(ProxyRun(listener, upstream, page, authority(), target.transcript))

    try:
        run = target.execute(jail.wrap(argv), env, tmpdir, timeout=timeout, cwd=str(work), shown=argv,
                             started=started)
        _saved(work, output, target)  # before the folder goes
    finally:
        log = proxies[0].close() if proxies else ProxyLog()
        jail.close()
        socket_folders.remove(folder)
    _went_direct(target, run, log)
    return run
