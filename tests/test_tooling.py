"""The project's own code passes its strict tooling (ruff rule families, mypy --strict)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.suite import ROOT


@pytest.mark.parametrize("tool", [["ruff", "check", "."], ["mypy"]], ids=["ruff", "mypy"])
def test_tool_is_clean(tool: list[str]) -> None:
    """ruff and mypy, configured in pyproject.toml, report nothing."""
    if importlib.util.find_spec(tool[0]) is None:
        pytest.skip(f"{tool[0]} is not installed (pip install -e '.[test]')")
    proc = subprocess.run([sys.executable, "-m", *tool], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
