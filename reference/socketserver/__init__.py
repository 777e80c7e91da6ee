"""Reference implementations in the socketserver model: ``TCPServer``, one client at a time."""
