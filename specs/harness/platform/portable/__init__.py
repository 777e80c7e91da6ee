"""The portable implementation of the platform: what macOS has as well as Linux.

POSIX process groups and signals, psutil (a process's children, its own sockets, its status)
and ``$TMPDIR``; nothing read from ``/proc`` but through psutil. Where Linux offers more, the
``linux`` implementation builds on these modules; where this one cannot do what Linux does,
``LIMITATIONS`` says what it does instead (the README's "Platforms" lists them too).
"""

#: What the portable implementation does differently from the Linux one, one line each (for the summary).
LIMITATIONS = (
    "escaped descendants are found by their environment marker alone: one that also clears its environment "
    "is not found, and orphans are reaped by init, not by netconform",
    "fragments are kept apart by a pause of SEGMENT_GAP, not by watching the server's receive queue: a server "
    "kept off the CPU longer than that may read two in one read",
    "connects in a burst are paced by a fixed pause, not by the server's accept queue",
    "a fixed-port server's port is waited for with a bind probe, not by reading TIME_WAIT from the socket table",
    "idle CPU (RES-3, RES-4) is measured in clock ticks over a longer window, not in nanoseconds",
    "URL clients that hard-code their URLs are refused (no network namespace) unless --allow-real-network",
)
