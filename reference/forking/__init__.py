"""Reference implementations in the forking model: ``ForkingMixIn``, one child process per client."""
