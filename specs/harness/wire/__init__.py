"""Stage 2, the wire: bytes on loopback, and what a program prints.

Owns the suite's loopback clients with their transcripts (streams, datagrams), the servers the
suite plays for client targets (greeting, HTTP, the proxy), a process's captured output, and the
chapter's protocol constants. Imports: the platform.
"""
