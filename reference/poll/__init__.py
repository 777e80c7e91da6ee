"""Reference implementations in the poll model: non-blocking sockets and ``select.poll``."""
