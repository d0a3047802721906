"""The page code: in ``.js`` files (package data), linted, and unit-tested under ``node --test``.

* ``tests/js/*.test.js`` run under ``node --test`` (Debian's nodejs, which ``.ci/run`` installs): the what-if
  arithmetic, the capacity max-flow against the min-cut bound, the link parser, the decoder.
* Every page script parses (``node --check``) and, when ESLint is installed (Debian's ``eslint``, which
  ``.ci/run`` installs beside nodejs), passes ``eslint:recommended`` with
  ``coverage/output/js/.eslintrc.json``.
  ESLint comes from Debian rather than npm so the CI stays offline after ``apt-get``; without it the
  ``node --check`` part still runs.
* No Python string holds 40 or more lines of JavaScript: page code lives in ``coverage/output/js/``.
Each part is skipped when node is not installed.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PKG = HERE.parent / "coverage"
JS = sorted((PKG / "output" / "js").glob("*.js"))
#: Lines that only JavaScript (or CSS) writes: statements, blocks, functions, arrows.
_JS_LINE = re.compile(r";\s*$|\{\s*$|^\s*\}|\bfunction\s*\(|=>|\bvar\s+\w+\s*=|\bconst\s+\w+\s*=")
MAX_JS_LINES = 40


def _node() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed (.ci/run installs Debian's nodejs)")
    return node


def test_page_code_unit_tests():
    node = _node()
    files = sorted(str(p) for p in (HERE / "js").glob("*.test.js"))
    proc = subprocess.run([node, "--test", *files], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout


def test_page_code_parses_and_lints():
    node = _node()
    assert JS, "no page scripts found"
    for path in JS:
        proc = subprocess.run(
            [node, "--check", str(path)], capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, f"{path.name}: {proc.stderr[-2000:]}"
    eslint = shutil.which("eslint")
    if eslint is None:
        pytest.skip("eslint is not installed (.ci/run installs Debian's eslint); node --check passed")
    # Debian's eslint finds its modules in Debian's folder also when node itself came from elsewhere
    env = {
        **os.environ,
        "NODE_PATH": os.pathsep.join(
            filter(None, [os.environ.get("NODE_PATH"), "/usr/share/nodejs", "/usr/lib/nodejs"])
        ),
    }
    root = PKG.parent
    proc = subprocess.run(
        [
            eslint,
            "--no-eslintrc",
            "-c",
            str((PKG / "output" / "js" / ".eslintrc.json").relative_to(root)),
            *(str(p.relative_to(root)) for p in JS),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _strings(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value for v in node.values if isinstance(v, ast.Constant))


def test_no_page_code_in_python_strings():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        for line, text in _strings(ast.parse(path.read_text(encoding="utf-8"))):
            lines = text.splitlines()
            js = sum(bool(_JS_LINE.search(x)) for x in lines)
            if len(lines) >= MAX_JS_LINES and js >= len(lines) // 4:
                bad.append(f"{path.relative_to(PKG)}:{line}: {len(lines)} lines, {js} of them JavaScript")
    assert not bad, "\n".join(bad)


def test_the_string_check_sees_page_code():
    code = "\n".join(["var x = 1;", "function f() {", "  return x;", "}"] * 10)
    tree = ast.parse(f"S = {code!r}\n")
    ((_, text),) = list(_strings(tree))
    assert len(text.splitlines()) >= MAX_JS_LINES
    assert sum(bool(_JS_LINE.search(x)) for x in text.splitlines()) >= len(text.splitlines()) // 4
