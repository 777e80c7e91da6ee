"""Loading a module target (``quote-module``): from a file path or an import path.

``--impl 'quote-module=path/to/myquote.py'`` names a file; ``--impl
'quote-module=mypackage.quoting'`` names a module to import. A file is loaded under a
fresh, unique module name, so two files both called ``quoting.py`` never clash and a
user's file never shadows (or is shadowed by) an installed module.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import os
import re
import sys
import types
from pathlib import Path

_counter = itertools.count(1)


class ModuleLoadError(ImportError):
    """The target could not be loaded; the message says what was tried and what happened."""


def is_file_target(target: str) -> bool:
    """A target ending in ``.py`` or containing a path separator is a file, else an import path."""
    separators = [sep for sep in (os.sep, os.altsep, "/") if sep]
    return target.endswith(".py") or any(sep in target for sep in separators)


def load_module(target: str, cwd: str | None = None) -> types.ModuleType:
    """Load ``target``: a ``.py`` file (relative to ``cwd``, default the current directory) or an import path."""
    if is_file_target(target):
        return _load_file(Path(cwd or os.getcwd()) / target, target)
    try:
        return importlib.import_module(target)
    except (Exception, SystemExit) as exc:
        hint = " (is it on sys.path? to load a file, give its path ending in .py)" \
            if isinstance(exc, ModuleNotFoundError) and exc.name == target.split(".")[0] else ""
        raise ModuleLoadError(f"could not import module {target!r} with importlib.import_module{hint}: "
                              f"{type(exc).__name__}: {exc}", name=target) from exc


def _load_file(path: Path, target: str) -> types.ModuleType:
    if not path.is_file():
        why = "" if path.suffix == ".py" else " (an import path, such as pkg.quoting, has no path separator)"
        raise ModuleLoadError(f"could not load {target!r} as a Python file: {path} does not exist{why}",
                              path=str(path))
    name = f"_netconform_target_{next(_counter)}_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModuleLoadError(f"could not load {target!r}: Python cannot import {path} as a module "
                              "(does its name end in .py?)", path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import would: dataclasses, pickle, typing look modules up there
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # a module that calls sys.exit() on import is a load error too
        sys.modules.pop(name, None)
        raise ModuleLoadError(f"could not load {target!r}: running {path} raised {type(exc).__name__}: {exc}",
                              name=name, path=str(path)) from exc
    return module
