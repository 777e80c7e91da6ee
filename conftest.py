"""Load netconform's pytest plug-in when running from a checkout.

Installed (``pip install -e .``, as the README's commands do), the ``pytest11`` entry
point has loaded the plug-in already; this file names it only when entry points are
off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``). It must not define ``pytest_plugins``
otherwise: run from another folder, an editable install's specs make pytest load this
file as a conftest that is not the rootdir's, where pytest refuses ``pytest_plugins``.
"""

import sys

if "netconform.specs.plugin" not in sys.modules:
    pytest_plugins = ["netconform.specs.plugin"]
