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
    os.environ.setdefault("SERVICE_COVERAGE_CACHE", str(tmp_path / "cache"))
    try:
        t = time.perf_counter()
        client = nbclient.NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                                         resources={"metadata": {"path": str(work)}})
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
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: clear outputs before committing"


def test_find_gaps_notebook(tmp_path):
    nb, seconds = run_notebook("01_find_gaps.ipynb", tmp_path)
    assert seconds < 60, f"notebook took {seconds:.0f} s"
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "lose coverage at 0.8 m/s" in text
    assert (tmp_path / "nb" / "meeting-pack" / "manifest.json").exists()


def test_harbin_notebook(tmp_path):
    if not (SHARED_OSM / "harbin-xiangfang-hongqi.osm.pbf").exists():
        pytest.skip("the Harbin extract in ../shared/data/osm is not present")
    nb, _ = run_notebook("02_harbin_hongqi.ipynb", tmp_path)
    assert (tmp_path / "nb" / "meeting-pack-hongqi" / "map.html").exists()
