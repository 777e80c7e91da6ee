"""The harness: launching targets, talking to them over loopback, judging and explaining.

Specs import from here and from nothing else in the project. Its stages, in the order data
moves; each imports only itself and the stages before it (``tests/test_structure.py``):

1. ``platform``: the operating system (processes and their tree, cgroups, socket tables,
   resource limits, network namespaces, socket folders), behind one door;
2. ``wire``: bytes on loopback: the suite's clients and servers, captured output, the protocol;
3. ``launch``: targets (roles, transports, ``--impl``), started, ready, restarted, pooled;
4. ``judge``: requirements, findings, hints, failure messages, verdict records;
5. ``observe``: the handles specs receive, and what specs observe in every form it comes in;
6. ``report``: the one tally of verdicts, and the matrix, report, Gradescope made from it;
7. ``glue``: pytest: options, fixtures, collection, distribution, the hooks that write reports.

``docs/design.md`` draws them. This package itself holds one fact all stages share: where the
suite's files are.
"""

from pathlib import Path

#: The checkout (or, installed, the ``netconform`` package): ``specs/``, ``reference/``, ``fixtures/``.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
