"""netconform's conformance specs, and the harness and pytest plug-in that run them.

``specs/SPEC.md`` lists the requirements; ``specs/test_*.py`` check them over real
loopback sockets against every target; ``specs/harness`` launches targets, talks to
them and explains failures; ``specs/plugin.py`` wires it into pytest (``--impl``).
"""
