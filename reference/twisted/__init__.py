"""Reference implementations in the twisted model: a Twisted ``Protocol`` on the reactor."""
