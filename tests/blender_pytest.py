# SPDX-License-Identifier: GPL-3.0-or-later
"""Run pytest inside a Blender binary.

    blender --background --factory-startup --python-exit-code 1 \
        --python tests/blender_pytest.py -- [pytest arguments]

Blender's own Python runs the tests, with the site-packages of the system's
Python 3 (Debian's python3-pytest, python3-hypothesis) on its path.
"""

import sys

import pytest

args = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
sys.exit(pytest.main(args))
