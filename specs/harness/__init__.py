"""The harness: launching targets, talking to them over loopback, judging and explaining.

Specs import from here and from nothing else in the project. ``docs/design.md`` maps the
flow (option, target spec, launch, wire, observation, matcher, verdict, report) to the
module that owns each step; in short:

- options, keys: the command line as one run configuration; the plug-in's shared state;
- requirements, capabilities, targets, submissions: what is checked, against what;
- fixtures, collection: the target fixtures; order, markers, not-applicable verdicts;
- process, limited, readiness, sockets, server, client, pool, context: launching and
  running targets; fixture_servers, wire: the network side, loopback only;
- observe, greetings, logs, observations, output, probe, introspect, departures,
  quoting: what specs observe, in every form it comes in;
- matchers, hints, findings: judging, and messages a student can act on;
- verdicts, outputs, report, report_model, report_html, gradescope: the typed verdicts
  and everything made from them; protocol: the chapter's constants.
"""
