"""The run configuration built from netconform's options (``specs/harness/glue/options.py``): a pure function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from netconform.specs.harness.glue import options
from netconform.specs.harness.judge import requirements


def _build(tmp_path: Path, environ: dict[str, str] | None = None, **values: Any) -> options.RunConfig:
    return options.build(values, tmp_path, environ or {})


def test_no_option_validates_the_references(tmp_path: Path) -> None:
    run = _build(tmp_path)
    assert not run.user_mode
    assert run.profile == "dev"
    assert (run.startup_timeout, run.net_timeout) == (10.0, 5.0)
    assert run.gradescope_points == (2.0, 1.0)


def test_impl_and_serial_make_user_targets(tmp_path: Path) -> None:
    run = _build(tmp_path, impl=["greeting-server:mine=python3 s.py {port}", "logger-server=python3 l.py {port}"],
                 serial=["mine"])
    assert run.user_mode
    assert [(t.role, t.name, t.concurrent) for t in run.impls] == [
        ("greeting-server", "mine", False), ("logger-server", "l", True)]


@pytest.mark.parametrize(("values", "message"), [
    ({"impl": ["no-such-role=x"]}, "no-such-role"),
    ({"impl": ["greeting-server=python3 s.py {port}"], "serial": ["other"]}, "--serial other"),
    ({"requirement": ["GREET-99"]}, "--requirement: unknown GREET-99"),
    ({"conformance_report": "report.pdf"}, "--conformance-report"),
    ({"gradescope_points": "3"}, "--gradescope-points"),
    ({"submission": ["missing"]}, "not a directory"),
])
def test_bad_options_say_how_to_write_them(tmp_path: Path, values: dict[str, Any], message: str) -> None:
    with pytest.raises(options.OptionError, match=message):
        _build(tmp_path, **values)


def test_requirement_selects_ids_and_families(tmp_path: Path) -> None:
    run = _build(tmp_path, requirement=["greet-3,LOG", "RES-1"])
    assert run.wanted == {"GREET-3", "LOG", "RES-1"}
    reg = requirements.registry()
    assert all(run.selects(reg[r]) for r in ("GREET-3", "LOG-2", "RES-1"))
    assert not run.selects(reg["GREET-1"])


def test_profile_from_option_environment_or_ci(tmp_path: Path) -> None:
    assert _build(tmp_path, {"CI": "true"}).profile == "ci"
    assert _build(tmp_path, {"CI": "true", "NETCONFORM_PROFILE": "thorough"}).profile == "thorough"
    assert _build(tmp_path, {"NETCONFORM_PROFILE": "thorough"}, netconform_profile="dev").profile == "dev"
    with pytest.raises(options.OptionError, match="NETCONFORM_PROFILE"):
        _build(tmp_path, {"NETCONFORM_PROFILE": "fast"})


def test_gradescope_file_holds_one_submission(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / "class" / name).mkdir(parents=True)
    with pytest.raises(options.OptionError, match="holds one submission"):
        _build(tmp_path, impl_dir=["class"], gradescope="out.json")
    run = _build(tmp_path, impl_dir=["class"], gradescope="out")
    assert [p.name for p in run.submission_folders] == ["a", "b"]
    assert run.user_mode
