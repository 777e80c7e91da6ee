"""Stage 4, judging: requirements, findings, hints, failure messages and verdict records.

Owns the requirement registry (``specs/SPEC.md``), the typed finding a failing spec carries, the
table of likely mistakes, the message a student reads, and the typed verdict of a spec. Imports:
the platform, the wire and launching (for the target a message describes).
"""
