"""Set resource limits, then become the target: ``python -I -S rlimit_exec.py CPU NPROC FSIZE_MB CGROUP -- ARGV...``.

The portable launcher (``portable/rlimit_exec.py``), which first enters CGROUP (``-``:
none), the target's cgroup folder, so that nothing the target forks can be outside it (the
harness also moves the process there, but only once it has started).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from pathlib import Path


def enter_cgroup(folder: str) -> None:
    """Move this process into the cgroup ``folder`` (else the harness moves it, and finds its descendants by
    their marker)."""
    with contextlib.suppress(OSError), open(os.path.join(folder, "cgroup.procs"), "w") as procs:
        procs.write(str(os.getpid()))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "portable"))  # run as a script, with -I -S
    sys.exit(importlib.import_module("rlimit_exec").main(sys.argv[1:], enter_cgroup))  # portable/rlimit_exec.py
