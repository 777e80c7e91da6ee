"""The suite's HTTP proxy: the whole web, as a URL client that hard-codes its URLs sees it.

A client run as written (no ``{url}``) finds this proxy in ``http_proxy``/``https_proxy``.
For every host (``python.org``, ``www.python.org``, any other) it answers from the suite's
HTTP fixture server on 127.0.0.1:

- the first URL the client asks for in a run (its hard-coded URL), and that URL again,
  is answered with the page the spec shows (``index.html``, python.org's form, for URL-4);
- any other URL with the fixture server's page of the same path (``/index.html`` after
  the redirect of URL-2, for instance).

``https://`` arrives as ``CONNECT host:443``: the proxy answers it itself, with a
certificate for that host issued by a certificate authority made for this run
(``trustme``), which the client trusts through ``SSL_CERT_FILE`` and the like.
Every request is written to the spec's transcript.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .streams import Transcript

if TYPE_CHECKING:
    import trustme

MAX_HEAD = 64 * 1024
IO_TIMEOUT = 10.0


@dataclass
class ProxyLog:
    """What the proxy saw during one run: the URLs asked for, and the TLS handshakes that failed."""

    urls: list[str] = field(default_factory=list)
    tls_failures: list[str] = field(default_factory=list)
    entry: str | None = None  # the first URL asked for: the program's own


class TestAuthority:
    """A certificate authority made for this run, and a server TLS context per host it vouches for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ca: trustme.CA | None = None
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    @property
    def pem_path(self) -> str:
        """The authority's certificate (PEM), made on first use: what the client is told to trust."""
        path = self.folder / "netconform-test-ca.pem"
        with self._lock:
            if self._ca is None:
                import trustme  # only runs with hard-coded https URLs need it

                self._ca = trustme.CA(organization_name="netconform test CA (this run only)")
                self.folder.mkdir(parents=True, exist_ok=True)
                self._ca.cert_pem.write_to_path(str(path))
        return str(path)

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server-side TLS context with a certificate for ``host``, issued by this authority."""
        self.pem_path  # noqa: B018 (makes the authority)
        with self._lock:
            if host not in self._contexts:
                assert self._ca is not None
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                self._ca.issue_cert(host).configure_cert(context)
                self._contexts[host] = context
            return self._contexts[host]


def read_head(sock: socket.socket | ssl.SSLSocket) -> bytes:
    """An HTTP message head (up to the blank line), or b'' if the peer closed first."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < MAX_HEAD:
        chunk = sock.recv(4096)
        if not chunk:
            return b""
        data += chunk
    return data


def request_line(head: bytes) -> tuple[str, str]:
    """The method and target of an HTTP request head (``GET``, ``http://www.python.org/``)."""
    words = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    return words[0], words[1] if len(words) > 1 else "/"


def host_header(head: bytes) -> str:
    """The Host header of a request head ('(no host)' if it has none)."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "host":
            return value.strip()
    return "(no host)"


class ProxyRun:
    """The proxy for one run of a client: accepts on ``listener`` (opened in the client's namespace)."""

    def __init__(self, listener: socket.socket, upstream: tuple[str, int], page: str, authority: TestAuthority,
                 transcript: Transcript) -> None:
        self.listener = listener
        self.upstream = upstream
        self.page = page
        self.authority = authority
        self.transcript = transcript
        self.log = ProxyLog()
        self._wake = os.pipe()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="web-proxy")
        self._thread.start()

    def _accept(self) -> None:
        while True:
            readable, _, _ = select.select([self.listener.fileno(), self._wake[0]], [], [])
            if self._wake[0] in readable:
                return
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True, name="web-proxy-conn").start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(IO_TIMEOUT)
        stream: socket.socket | ssl.SSLSocket = conn
        try:
            if conn.recv(1, socket.MSG_PEEK) == b"\x16":  # a TLS handshake: https spoken to the proxy itself
                self.log.tls_failures.append("TLS to the proxy itself")
                self.transcript.add("proxy", "the client began TLS with the proxy itself instead of asking it to "
                                             "CONNECT: closed")
                return
            head = read_head(conn)
            if not head:
                return
            method, target = request_line(head)
            if method == "CONNECT":
                host = target.rsplit(":", 1)[0].strip("[]")
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                try:
                    stream = self.authority.context_for(host).wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError) as exc:
                    self.log.tls_failures.append(f"{host}: {exc}")
                    self.transcript.add("proxy", f"CONNECT {target}: the client refused the TLS handshake "
                                                 f"({exc}); does it trust SSL_CERT_FILE?")
                    return
                head = read_head(stream)
                if not head:
                    return
                method, path = request_line(head)
                url = path if "://" in path else f"https://{host}{path if path.startswith('/') else '/' + path}"
            else:
                url = target if "://" in target else f"http://{host_header(head)}{target}"
            self._forward(stream, method, url)
        except OSError as exc:
            self.transcript.add("proxy", f"the connection failed: {exc}")
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    def _forward(self, stream: socket.socket | ssl.SSLSocket, method: str, url: str) -> None:
        """Answer ``method url`` with the fixture server's response for the path it stands for."""
        with self._lock:
            if self.log.entry is None:
                self.log.entry = url
            self.log.urls.append(url)
            parts = urlsplit(url)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            served = self.page if url.rstrip("/") == self.log.entry.rstrip("/") else path
        self.transcript.add("proxy", f"{method} {url}: answered with the page {served}")
        with socket.create_connection(self.upstream, timeout=IO_TIMEOUT) as up:
            up.sendall(f"{method} {served} HTTP/1.0\r\nHost: {parts.hostname}\r\n\r\n".encode("latin-1"))
            while chunk := up.recv(65536):
                stream.sendall(chunk)
        if isinstance(stream, ssl.SSLSocket):
            with contextlib.suppress(OSError, ValueError):
                stream.unwrap()

    def close(self) -> ProxyLog:
        """Stop accepting, close the listener (its namespace goes with it); return what was seen."""
        os.write(self._wake[1], b"x")
        self._thread.join(5)
        for fd in self._wake:
            os.close(fd)
        self.listener.close()
        return self.log
