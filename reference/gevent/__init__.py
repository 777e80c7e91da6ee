"""Reference implementations in the gevent model: ``gevent.server``, one greenlet per client."""
