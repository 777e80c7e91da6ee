"""Reference implementations in the select model: non-blocking sockets and ``select.select``."""
