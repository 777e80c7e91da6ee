"""Reference implementations in the iterative model: one client at a time, plain sockets."""
