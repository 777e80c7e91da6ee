"""Stage 5, observing: the handles specs receive, and what specs observe on the way to a verdict.

Owns the server and client targets as specs see them (a launched process plus the answers of the
judge), the forms a greeting, an address or a log line takes, which requirement owns each
observation, departures, URL clients run as written, and the quoting differential. It fails specs
through the judge. Imports: every stage before it.
"""
