"""Reference implementations in the trio model: trio sockets, one task per client in a nursery."""
