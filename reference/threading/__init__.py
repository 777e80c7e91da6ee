"""Reference implementations in the threading model: ``ThreadingMixIn``, one thread per client."""
