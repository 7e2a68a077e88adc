"""The layers point one way (README "Architecture"): import-linter checks the contracts in pyproject.toml."""

import os
import subprocess
import sys

from .conftest import REPO


def test_imports_follow_the_layers():
    lint_imports = os.path.join(os.path.dirname(sys.executable), "lint-imports")
    result = subprocess.run([lint_imports, "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout
