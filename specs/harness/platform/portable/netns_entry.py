"""Run inside a URL client's network namespace, just before the client: opens the suite's proxy port there.

``python netns_entry.py [--lo] UNIX_PATH -- COMMAND...``: with ``--lo``, brings the fresh
namespace's loopback up (it starts down); listens on 127.0.0.1 (a free port) and hands
that listening socket to the suite through the Unix socket at ``UNIX_PATH`` (a path, not
bound to any network namespace), so the suite's proxy, running outside, accepts the
client's connections made inside; points the proxy variables (``http_proxy``...) at it;
then becomes the client (``exec``). A socket keeps the namespace it was made in: the
client reaches the proxy, and nothing else but loopback.

Standalone (no netconform imports): it starts fast, with the suite's interpreter.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")
NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY")


def loopback_up() -> None:
    """Set the ``lo`` interface up (needs CAP_NET_ADMIN in the namespace: root, or a mapped user namespace)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, request)[:18])[1]
        fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def hand_over(unix_path: str) -> int:
    """Listen on 127.0.0.1, send the listening socket to the suite at ``unix_path``; return its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = int(listener.getsockname()[1])
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
        channel.connect(unix_path)
        socket.send_fds(channel, [b"%d" % port], [listener.fileno()])
    listener.close()  # the suite holds it now; the client does not inherit it
    return port


def main(argv: list[str]) -> None:
    """Parse ``[--lo] UNIX_PATH -- COMMAND...``, prepare the namespace, and exec the command."""
    lo = argv[:1] == ["--lo"]
    if lo:
        argv = argv[1:]
    if len(argv) < 3 or argv[1] != "--":
        sys.exit("usage: netns_entry.py [--lo] UNIX_PATH -- COMMAND...")
    unix_path, command = argv[0], argv[2:]
    if lo:
        loopback_up()
    port = hand_over(unix_path)
    for name in PROXY_VARIABLES:
        os.environ[name] = f"http://127.0.0.1:{port}"
    for name in NO_PROXY_VARIABLES:
        os.environ.pop(name, None)
    try:
        os.execvp(command[0], command)
    except OSError as exc:
        sys.exit(f"netconform: cannot run {command[0]}: {exc}")


if __name__ == "__main__":
    main(sys.argv[1:])
