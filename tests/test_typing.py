"""The public API is typed: ``py.typed`` ships, mypy passes on the API modules ([tool.mypy] in pyproject.toml;
skipped when mypy is not installed), and every public parameter of those modules carries a type."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _api_files() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]


def test_py_typed_ships():
    assert (ROOT / "coverage" / "py.typed").exists()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    assert "py.typed" in data["coverage"]


def test_mypy_passes_on_the_public_api():
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_every_public_parameter_is_typed():
    bad = []
    for rel in _api_files():
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
                continue
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs]:
                if arg.arg not in ("self", "cls") and arg.annotation is None:
                    bad.append(f"{rel}:{node.lineno} {node.name}({arg.arg})")
            if node.returns is None:
                bad.append(f"{rel}:{node.lineno} {node.name} -> ?")
    assert not bad, "\n".join(bad)
