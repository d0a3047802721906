"""Writing files safely: atomic replacement, one run's output folder, and text that is safe to open.

* :func:`atomic_path` writes to a temporary name beside the target and
  renames it into place, so an interrupted run never leaves a half-written
  file (and never a half-overwritten one).
* :class:`OutputFolder` is one run's output folder: it refuses to write over
  an input file, lists what it wrote in ``manifest.json`` and, when asked,
  removes the files an earlier run listed there that this run did not write.
* :func:`safe_cell` and :func:`strict_json` keep text from data harmless in
  spreadsheets and JSON readers.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import uuid
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ._errors import CoverageInputError

MANIFEST = "manifest.json"
GENERATOR = "service-coverage"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def file_digest(path) -> str:
    """sha256 of a file's content, computed once per process for a given path, size and modification time."""
    st = Path(path).stat()
    return _digest(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> str:  # noqa: ARG001  (size and time: the cache key)
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_cache(path, write, what: str) -> None:
    """Write a cache file atomically with ``write(tmp_path)``; a failure only warns (a read-only home must
    not stop the analysis), and no temporary file is left behind."""
    import logging

    try:
        with atomic_path(path) as tmp:
            write(tmp)
    except OSError as exc:
        logging.getLogger("coverage").warning("Could not write the %s cache %s: %s", what, path, exc)


def strip_control(text: str) -> str:
    """Remove control characters (they crash spreadsheet writers and break CSV readers)."""
    return _CONTROL.sub("", text)


def safe_cell(value, *, csv: bool = False):
    """A text cell safe to open: control characters removed and, for CSV, no formula.

    In a CSV, text that starts with ``=``, ``+``, ``-`` or ``@`` would be run as
    a formula by Excel; it gets a leading apostrophe, which Excel shows as
    text. Numbers are left alone.
    """
    if not isinstance(value, str):
        return value
    value = strip_control(value)
    if csv and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _finite(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def strict_json(obj, default=None) -> str:
    """JSON that every reader accepts: NaN and infinities become null."""
    plain = json.loads(
        json.dumps(obj, default=default, ensure_ascii=False, allow_nan=True), parse_constant=lambda _c: None
    )
    return json.dumps(_finite(plain), indent=2, ensure_ascii=False, allow_nan=False)


class OutputFolder:
    """One run's output folder.

    Parameters
    ----------
    path
        The folder (created when missing).
    inputs
        The run's input files: no output may replace one of them.
    planned
        Output paths (or names in the folder) the run may write; checked
        against ``inputs`` before any work is done.
    """

    def __init__(self, path, *, inputs=(), planned=()):
        self.dir = Path(path)
        if self.dir.exists() and not self.dir.is_dir():
            msg = f"--out '{self.dir}' is a file, not a folder; give a folder for the results."
            raise CoverageInputError(msg)
        self.inputs = {self._key(p) for p in inputs if isinstance(p, (str, Path)) and Path(p).exists()}
        self.written: list[Path] = []
        self.extra: dict = {}  # more for manifest.json (inputs, parameters, versions)
        self.previous = self._previous()
        for p in planned:
            self.check(self.path(p))

    def add_input(self, path) -> None:
        """One more input file that no output may replace."""
        if isinstance(path, (str, Path)) and Path(path).exists():
            self.inputs.add(self._key(path))

    @staticmethod
    def _key(p) -> str:
        return os.path.normcase(str(Path(p).resolve()))

    def path(self, name) -> Path:
        p = Path(name)
        return p if (p.is_absolute() or len(p.parts) > 1) else self.dir / p

    def check(self, path) -> Path:
        path = Path(path)
        if self._key(path) in self.inputs:
            msg = (
                f"--out '{self.dir}' would overwrite the input file '{path}'; write the results to another "
                "folder (inputs are never overwritten)."
            )
            raise CoverageInputError(msg)
        return path

    @contextmanager
    def write(self, name):
        """Write one output atomically (yields the temporary path to write to)."""
        path = self.check(self.path(name))
        with atomic_path(path) as tmp:
            yield tmp
        self.written.append(path)

    def _previous(self) -> list[Path]:
        try:
            doc = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(doc, dict) or doc.get("generator") != GENERATOR:
            return []
        return [
            self.dir / f
            for f in doc.get("files", [])
            if isinstance(f, str) and "/" not in f and "\\" not in f
        ]

    def finish(self, *, cleanup: bool = True, extra: dict | None = None, default=None) -> Path:
        """Write ``manifest.json`` (what was written) and, with ``cleanup``,
        remove the previous run's leftovers."""
        names = sorted(
            {p.name for p in self.written if p.parent.resolve() == self.dir.resolve()} - {MANIFEST}
        )
        if cleanup:
            for old in self.previous:
                if (
                    old.name not in names
                    and old.name != MANIFEST
                    and old.is_file()
                    and self._key(old) not in self.inputs
                ):
                    old.unlink()
        else:
            names = sorted(set(names) | {p.name for p in self.previous if p.exists()} - {MANIFEST})
        doc = {
            "generator": GENERATOR,
            "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": names,
            **self.extra,
            **(extra or {}),
        }
        with self.write(MANIFEST) as tmp:
            tmp.write_text(strict_json(doc, default=default), encoding="utf-8")
        return self.dir / MANIFEST
