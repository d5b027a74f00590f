# SPDX-License-Identifier: GPL-3.0-or-later
"""Settings shared by every test folder (plain Python and inside Blender).

Hypothesis explores new examples on every local run; with CI set (as
``.ci/run`` is run), it runs derandomized, so a red CI run fails the same
way when it is run again.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
