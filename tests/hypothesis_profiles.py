"""Hypothesis profiles: ``ci`` runs every property test with its full number of examples, ``loop``
(the default outside CI) a tenth of them, for the edit-and-run loop.

CI=true selects ``ci``; HYPOTHESIS_PROFILE=ci|loop picks one explicitly (e.g. to run the full
fuzzing locally). Tests state their full count through ``examples()``, so the same properties are
checked under either profile, only with fewer generated examples in the loop.
"""

from __future__ import annotations

import os

from hypothesis import settings

CI = "ci"
LOOP = "loop"
_CI_EXAMPLES = 100  # Hypothesis' own default: a test's full count is stated relative to it
_LOOP_EXAMPLES = 10


def load() -> str:
    """Register both profiles and load the one the environment asks for; return its name."""
    settings.register_profile(CI, max_examples=_CI_EXAMPLES, deadline=None, database=None,
                              print_blob=True)
    settings.register_profile(LOOP, max_examples=_LOOP_EXAMPLES, deadline=None)
    name = os.environ.get("HYPOTHESIS_PROFILE") or (CI if os.environ.get("CI") else LOOP)
    settings.load_profile(name)
    return name


def examples(full: int) -> int:
    """A test's number of examples under the loaded profile: ``full`` in CI, a tenth in the loop."""
    return max(1, full * settings.default.max_examples // _CI_EXAMPLES)
