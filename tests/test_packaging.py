"""environment.yml and pyproject.toml list the same dependencies."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# PyPI name -> conda-forge name where they differ
CONDA_NAMES = {"osmium": "pyosmium", "playwright": "playwright-python", "igraph": "python-igraph"}

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[;]", req.strip(), maxsplit=1)[0].lower()


def test_environment_matches_pyproject():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["test"]
    wanted = {CONDA_NAMES.get(_name(d), _name(d)): d for d in deps}
    env = (REPO / "environment.yml").read_text()
    conda = {}
    for line in env.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+- ([A-Za-z0-9_.\-]+)(.*)$", line)
        if m and m.group(1) not in ("python", "pip", "-e"):
            conda[m.group(1).lower()] = m.group(1) + m.group(2)
    assert set(conda) == set(wanted), (set(conda) ^ set(wanted))
    for name, req in wanted.items():
        spec = req[len(_name(req)):].strip()
        assert conda[name].endswith(spec), (name, conda[name], spec)


def test_coverage_py_is_not_a_dependency():
    text = (REPO / "pyproject.toml").read_text() + (REPO / "environment.yml").read_text()
    assert "pytest-cov" not in text.replace("Do not add coverage.py or pytest-cov", "")
