"""Stage 3, launching: the targets, started, ready, restarted and stopped.

Owns what a target is (roles and transports, the ``--impl`` grammar, submissions, capabilities),
starting it in its own process group under limits, readiness without connecting, restarts, the
pool of running targets, and signals to them. It knows nothing of what a failure means: the
handles of ``observe`` answer that. Imports: the platform and the wire.
"""
