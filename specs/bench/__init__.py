"""The comparison of concurrency models: what each model costs, measured over loopback.

Not part of any verdict. ``benchmarks/compare_models.py`` runs it over every reference
server model; ``pytest --impl ... --compare-models`` runs it over the given programs
beside the references. The parts, in the order data moves:

- ``plan``: what is measured (scenarios, counts, time bounds) and the result records;
- ``load``: the load generator, a worker process of its own (many clients, one scenario);
- ``launch``: a server started as the harness starts targets, its log lines counted;
- ``measure``: one server, one scenario: workers started together, CPU and memory read;
- ``runner``: every target, every scenario, repeated; ratios to the baseline;
- ``render``, ``chart``: the tables (Markdown, terminal) and the matplotlib chart;
- ``pytest_compare``: the plug-in's ``--compare-models``.
"""
