"""Reference implementations in the selectors model: non-blocking sockets and ``selectors``."""
