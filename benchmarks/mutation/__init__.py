"""The mutation campaign's parts (``benchmarks/mutation_campaign.py`` is its command).

- ``mutants``: every mutant of a module (cosmic-ray's operators), its stable key, its diff;
- ``targets``: which reference targets judge a module, from the import graph of ``reference/``;
- ``trial``: one mutant judged: a copy of the checkout, the mutated file, ``pytest specs`` on those targets;
- ``records``: the results file and the triage file, and the table made from both;
- ``only_targets``: the pytest plug-in that keeps a trial's specs to its targets.
"""
