"""The plug-in's shared state, kept on pytest's config (``config.stash[KEY]``)."""

from __future__ import annotations

import pytest

from ..launch.pool import TargetPool
from ..launch.submissions import Submission
from ..launch.targets import TargetSpec
from ..observe.client_target import ClientTarget
from ..observe.server_target import ServerTarget
from ..report.document import ReportSection
from .options import RunConfig
from .recording import Recorder

RUN = pytest.StashKey[RunConfig]()  # the run's configuration, from its command line
POOL = pytest.StashKey[TargetPool[ServerTarget, ClientTarget]]()  # the running targets
TARGETS = pytest.StashKey[list[TargetSpec]]()  # the targets the specs are parametrized over
RECORDER = pytest.StashKey[Recorder]()  # every spec's verdict
SUBMISSIONS = pytest.StashKey[list[Submission]]()  # --submission / --impl-dir folders, loaded
WORKDIR = pytest.StashKey[str]()  # where the submissions were copied to
SECTION = pytest.StashKey[ReportSection]()  # a section a room beside the harness adds (--compare-models)
