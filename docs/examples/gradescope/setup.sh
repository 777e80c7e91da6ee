#!/usr/bin/env bash
# Gradescope autograder set-up: runs once, as root, when the autograder image is built.
# Installs netconform (with pytest and its plug-in). REPLACE the placeholder URL with
# netconform's real repository, pinned to a tag or commit, so that every student is
# graded by the same suite; or ship the suite inside the autograder zip and install
# it from there:  python3 -m pip install /autograder/source/netconform
# Gradescope's images have Python 3.10 or newer; python2 is needed only for
# submissions written in the book's Python 2 (apt-get install -y python2 where the
# image still offers it; without it those specs are reported "not run").
set -euo pipefail
python3 -m pip install "netconform @ git+https://example.invalid/netconform.git"
