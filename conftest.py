"""Load netconform's pytest plug-in when running from a checkout.

An installed copy registers the same module through the ``pytest11`` entry point
named ``specs.plugin``; pytest then sees it is loaded already and does not load it
twice.
"""

pytest_plugins = ["specs.plugin"]
