"""Reference implementations in the asyncore model: ``asyncore.dispatcher`` objects on one select() loop."""
