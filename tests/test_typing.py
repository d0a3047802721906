"""The public API is typed: ``py.typed`` ships, mypy passes on the API modules ([tool.mypy] in pyproject.toml;
skipped when mypy is not installed), every parameter and return of the public API (``coverage.__all__``)
carries a type, and so does every public function of the fully typed modules."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]

#: Modules whose every public function (nested ones included) is typed; the other modules mypy checks
#: ([tool.mypy] files) type their public API (test_every_exported_callable_is_typed) but not yet every helper.
FULLY_TYPED = [
    "coverage/_types.py",
    "coverage/options.py",
    "coverage/products.py",
    "coverage/streets.py",
    "coverage/output/files.py",
    "coverage/output/explore.py",
    "coverage/output/report.py",
    "coverage/output/manifest.py",
]


def _api_files() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]["files"]


def _exported_callables() -> list[tuple[str, object]]:
    """(name, function) of every callable in ``coverage.__all__`` and of the public methods (properties,
    class and static methods included) of every exported class, as a user sees them."""
    import coverage

    out: list[tuple[str, object]] = []
    for name in coverage.__all__:
        obj = getattr(coverage, name)
        if name.startswith("_") or isinstance(obj, types.ModuleType):
            continue
        if inspect.isclass(obj):
            for mname, member in vars(obj).items():
                if mname.startswith("_") and mname != "__init__":
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member) and member.__module__.startswith("coverage"):
                    out.append((f"{name}.{mname}", member))
        elif inspect.isfunction(obj):
            out.append((name, obj))
    return out


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


def test_every_exported_callable_is_typed():
    """Every parameter (not ``self``/``cls``; ``*args``/``**kw`` too) and every return of the public API."""
    found, bad = _exported_callables(), []
    for qual, fn in found:
        sig = inspect.signature(fn)
        for p in sig.parameters.values():
            if p.name not in ("self", "cls") and p.annotation is inspect.Parameter.empty:
                bad.append(f"{qual}({p.name})")
        if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__":
            bad.append(f"{qual} -> ?")
    assert len(found) > 100, len(found)  # the walk found the API (functions and methods)
    assert not bad, "\n".join(bad)


def test_fully_typed_modules_are_checked_by_mypy():
    assert set(FULLY_TYPED) <= set(_api_files())


def test_every_public_parameter_is_typed():
    bad = []
    for rel in FULLY_TYPED:
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
