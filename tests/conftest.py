"""Every test runs with its own user data folder: a model or review a test writes never reaches the account's."""

from __future__ import annotations

import os
import tempfile

# Set before any test module imports solieu, and inherited by the commands the tests start.
os.environ["SOLIEU_DATA"] = tempfile.mkdtemp(prefix="solieu-test-data-")
os.environ.pop("SOLIEU_MODELS", None)
