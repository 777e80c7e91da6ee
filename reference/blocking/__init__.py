"""Reference clients in the blocking model: a plain ``socket`` that waits on every call."""
