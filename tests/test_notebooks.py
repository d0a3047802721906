"""The planner notebooks run top to bottom, offline, and are committed without outputs."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from helpers import SHARED_OSM

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def run_notebook(name: str, tmp_path: Path, timeout_s: int = 300) -> tuple[object, float]:
    src = NOTEBOOKS / name
    work = tmp_path / "nb"
    work.mkdir()
    shutil.copy(src, work / name)
    nb = nbformat.read(work / name, as_version=4)
    env_backup = dict(os.environ)
    os.environ["SERVICE_COVERAGE_SHARED_OSM"] = str(SHARED_OSM)
    os.environ["SERVICE_COVERAGE_OUT"] = str(tmp_path / "out")
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # the debugger's frozen-modules notice
    os.environ.setdefault("SERVICE_COVERAGE_CACHE", str(tmp_path / "cache"))
    try:
        t = time.perf_counter()
        client = nbclient.NotebookClient(
            nb, timeout=timeout_s, kernel_name="python3", resources={"metadata": {"path": str(work)}}
        )
        client.execute()
        return nb, time.perf_counter() - t
    finally:
        os.environ.clear()
        os.environ.update(env_backup)


@pytest.mark.parametrize("name", sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")))
def test_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{name}: clear outputs before committing"
            )


def _clean_outputs(nb, work: Path) -> str:
    """The cells' text; and the notebook wrote nothing beside itself and printed no warning."""
    assert [p.name for p in work.iterdir() if not p.name.endswith(".ipynb")] == []
    streams = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("output_type") == "stream"
    ]
    # the library's own log lines about the data may appear; Python warnings (widgets, kernels, libraries) may
    # not
    noisy = [o["text"] for o in streams if o.get("name") == "stderr" and "Warning" in o["text"]]
    assert not noisy, noisy
    return "".join(o.get("text", "") for o in streams)


def test_find_gaps_notebook(tmp_path):
    nb, seconds = run_notebook("01_find_gaps.ipynb", tmp_path)
    assert seconds < 60, f"notebook took {seconds:.0f} s"
    text = _clean_outputs(nb, tmp_path / "nb")
    assert "lose coverage at 0.8 m/s" in text and "15 分钟步行" in text
    assert (tmp_path / "out" / "meeting-pack" / "manifest.json").exists()


def test_harbin_notebook(tmp_path):
    if not (SHARED_OSM / "harbin-central.osm.pbf").exists():
        pytest.skip("the Harbin extract in ../shared/data/osm is not present")
    nb, _ = run_notebook("02_harbin_centre.ipynb", tmp_path)
    _clean_outputs(nb, tmp_path / "nb")
    assert (tmp_path / "out" / "meeting-pack-harbin" / "map.html").exists()
