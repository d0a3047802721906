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
    extras = pyproject["project"]["optional-dependencies"]
    deps = pyproject["project"]["dependencies"] + extras["test"] + extras["dask"]
    wanted = {CONDA_NAMES.get(_name(d), _name(d)): d for d in deps}
    env = (REPO / "environment.yml").read_text()
    conda = {}
    for line in env.split("dependencies:", 1)[1].splitlines():
        m = re.match(r"^\s+- ([A-Za-z0-9_.\-]+)(.*)$", line)
        if m and m.group(1) not in ("python", "pip", "-e"):
            conda[m.group(1).lower()] = m.group(1) + m.group(2)
    assert set(conda) == set(wanted), set(conda) ^ set(wanted)
    for name, req in wanted.items():
        spec = req[len(_name(req)) :].strip()
        assert conda[name].endswith(spec), (name, conda[name], spec)


def _all_requirements() -> list[str]:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    reqs = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"]["optional-dependencies"].values():
        reqs += extra
    reqs += pyproject["build-system"]["requires"]
    return reqs


def test_coverage_py_is_not_a_dependency():
    """coverage.py shares our import name: neither it nor pytest-cov may be required anywhere."""
    names = {_name(r) for r in _all_requirements()}
    env = (REPO / "environment.yml").read_text()
    names |= {m.group(1).lower() for m in re.finditer(r"^\s+- ([A-Za-z0-9_.\-]+)", env, re.M)}
    assert not names & {"coverage", "pytest-cov", "coverage-py"}, names & {"coverage", "pytest-cov"}


def test_coverage_py_is_not_installed():
    """The environment running the tests has our ``coverage``, not coverage.py."""
    from importlib import metadata

    import coverage

    with pytest.raises(metadata.PackageNotFoundError):
        metadata.distribution("coverage")
    assert Path(coverage.__file__).resolve().parent == REPO / "coverage"
    assert coverage.__version__ == metadata.version("service-coverage")


#: import name -> distribution name, where they differ
IMPORT_TO_DIST = {
    "osmium": "osmium",
    "xstatic": "xstatic-leaflet",
    "yaml": "pyyaml",
    "branca": "branca",
    "dask_geopandas": "dask-geopandas",
    "python_calamine": "python-calamine",
}


def test_direct_imports_are_declared():
    """Every third-party module the package imports is a declared dependency (or an extra's)."""
    import ast

    std = set(sys.stdlib_module_names)
    used = set()
    for path in (REPO / "coverage").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                used |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                used.add(node.module.split(".")[0])
    optional = {"ipywidgets"}  # imported only to pick tqdm's notebook bar, guarded by ImportError
    third = {m for m in used if m not in std and m != "coverage"} - optional
    declared = {_name(r) for r in _all_requirements()}
    missing = sorted(m for m in third if IMPORT_TO_DIST.get(m, m).lower() not in declared)
    assert not missing, f"declare these in pyproject.toml: {missing}"
