"""Server resource specs (RES-*): no zombie children, no leaked file descriptors.

A robust server releases what each client cost it once the client is gone. These
specs let clients come and go, then watch the target's process tree with psutil.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from specs.harness.hints import Evidence
from specs.harness.matchers import fail
from specs.harness.server import ServerTarget

VISITS = 20
RELEASE_TIMEOUT = 5.0  # how long the server may take to release a departed client's resources
POLL = 0.05


def visit(target: ServerTarget, n: int) -> None:
    """One client's whole visit: connect, read until the server closes, leave."""
    with target.client(f"client {n}") as client:
        client.read(settle=0.5)
        client.abort()  # whether or not the server closed: its resources are what is measured


def settle(measure: Callable[[], int], *, until: Callable[[int], bool], timeout: float) -> int:
    """Poll ``measure()`` until ``until(value)`` holds or ``timeout`` passes; the last value."""
    deadline = time.monotonic() + timeout
    value = measure()
    while not until(value) and time.monotonic() < deadline:
        time.sleep(POLL)
        value = measure()
    return value


@pytest.mark.req("RES-1")
def test_leaves_no_zombie_children(greeting_server: ServerTarget) -> None:
    """Once its clients are done, the server leaves no zombie child process behind."""
    for n in range(1, VISITS + 1):
        visit(greeting_server, n)
    left = settle(lambda: len(greeting_server.zombies()), until=lambda z: z == 0, timeout=RELEASE_TIMEOUT)
    if left:
        fail(greeting_server, f"{left} zombie child process(es) remain {RELEASE_TIMEOUT:g}s after the last of "
             f"{VISITS} clients left", expected="no zombie children", got=f"{left} zombies",
             evidence=Evidence(symptom="zombies"))


@pytest.mark.req("RES-2")
def test_releases_file_descriptors(greeting_server: ServerTarget) -> None:
    """Once its clients are done, the server's open file descriptors return to their baseline."""
    visit(greeting_server, 0)  # warm-up: lazily created descriptors (epoll, pipes) belong to the baseline
    previous = [-1]

    def stable(value: int) -> bool:
        done = value == previous[0]
        previous[0] = value
        return done

    baseline = settle(greeting_server.fd_count, until=stable, timeout=2.0)
    for n in range(1, VISITS + 1):
        visit(greeting_server, n)
    now = settle(greeting_server.fd_count, until=lambda v: v <= baseline, timeout=RELEASE_TIMEOUT)
    if now > baseline:
        fail(greeting_server, f"{now - baseline} more file descriptors are open {RELEASE_TIMEOUT:g}s after "
             f"{VISITS} clients left than before they came",
             expected=f"at most {baseline} open file descriptors (the baseline)", got=f"{now}",
             evidence=Evidence(symptom="fd leak"))
