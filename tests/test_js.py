"""The page code's own unit tests (tests/js/*.test.js) under node --test (Debian's nodejs; skipped without it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_page_code_unit_tests():
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs Debian's nodejs)")
    files = sorted(str(p) for p in (HERE / "js").glob("*.test.js"))
    proc = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout
