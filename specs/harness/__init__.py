"""The harness: launching targets, talking to them over loopback, explaining failures.

Specs import from here and from nothing else in the project. Modules:

- ``requirements``: the registry of requirement IDs, parsed from ``specs/SPEC.md``.
- ``capabilities``: named optional capabilities (python2, fork, twisted).
- ``targets``: what an implementation under test is, and ``--impl`` parsing.
- ``process``: starting a command in its own process group; killing and reaping it.
- ``output``: capturing a target's stdout/stderr and waiting for log lines.
- ``server``: a running server target: discovery, readiness, restarts.
- ``wire``: loopback-only test clients that keep a transcript.
- ``hints``: the table of common mistakes and how to spot them.
- ``matchers``: assertions with student-readable messages.
"""
