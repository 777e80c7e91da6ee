"""Hatchling build hook: the wheel's ``netconform/__init__.py``, and the editable install.

The checkout keeps ``specs/``, ``reference/`` and ``fixtures/`` at its top level; the
wheel holds them as ``netconform/specs`` ... (``force-include`` in pyproject.toml).
hatchling's editable installs cannot add a prefix (``netconform/``) to a path, so for
``pip install -e .`` this hook installs only ``netconform/__init__.py``, whose
``__path__`` is the checkout: ``netconform.specs`` is then ``<checkout>/specs``, and
nothing else of the checkout (no ``specs``, ``tests``...) lands on ``sys.path``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

DOC = '"""netconform: conformance specs, references and pytest plug-in (see netconform.specs)."""\n'


class CustomBuildHook(BuildHookInterface):  # type: ignore[misc]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="netconform-build-"))
        init = self._tmp / "__init__.py"
        if version == "editable":
            init.write_text(f"{DOC}\n__path__ = [{str(Path(self.root).resolve())!r}]\n", encoding="utf-8")
            # replaces the configured force-include (which would copy the packages) in the editable wheel
            build_data["force_include_editable"] = {str(init): "netconform/__init__.py"}
        else:
            init.write_text(DOC, encoding="utf-8")
            build_data["force_include"][str(init)] = "netconform/__init__.py"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)
