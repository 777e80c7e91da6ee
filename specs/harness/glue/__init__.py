"""Stage 7, the pytest glue: options, fixtures, collection, distribution, and the hooks that report.

Owns every pytest hook and the plug-in's shared state on the config; it wires the stages before it
together. ``specs/plugin.py`` loads it and hands in the catalogue of reference targets. Imports:
every stage before it.
"""
