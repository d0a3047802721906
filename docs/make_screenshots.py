"""Remake the screenshots of the meeting pack in docs/ (run by hand from the repository root).

    PYTHONPATH=. python docs/make_screenshots.py

The zh pack of the 红旗 demo, from GCJ-02 files with Chinese headers, social workers per station
(社工人数, caseload 250) and 3 proposed sites; then
* docs/pack-map.png: map.html in headless Chromium (Debian's chromium) with the network blocked;
* docs/pack-brief.png: brief.pdf through pdftoppm;
* docs/pack-workbook.png: summary.xlsx printed to PDF by LibreOffice (headless), its pages through pdftoppm.
Each stays under 300 KB (256 colours where full colour is larger).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

DOCS = Path(__file__).resolve().parent
STAFF = [3, 2, 4, 3, 2, 5, 3, 2, 4]


def small_png(img: Image.Image, path: Path, limit_kb: int = 300) -> None:
    """Full colour when that is small enough, else 256 colours (octree keeps the legend's colours apart)."""
    img = img.convert("RGB")
    img.save(path, optimize=True)
    if path.stat().st_size > limit_kb * 1024:
        img.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)
    print(path, f"{path.stat().st_size / 1024:.0f} KB")


def pack(work: Path) -> Path:
    from coverage.cli import main
    from coverage.crs import wgs84_to_gcj02
    from coverage.demo import HONGQI_PBF, write_demo_inputs

    st, hh = write_demo_inputs(work / "in")
    for f in (st, hh):
        t = pd.read_csv(f, encoding="utf-8-sig")
        lon, lat = wgs84_to_gcj02(t["经度"].to_numpy(), t["纬度"].to_numpy())
        t["经度"], t["纬度"] = np.round(lon, 7), np.round(lat, 7)
        if f == st:
            t["社工人数"] = STAFF[: len(t)]
        t.to_csv(f, index=False, encoding="utf-8-sig")
    out = work / "pack"
    assert main(["-q", "report", "--network", str(HONGQI_PBF), "--stations", str(st), "--households", str(hh),
                 "--weight", "户数", "--crs", "gcj02", "--staff-col", "社工人数", "--caseload", "250", "--k", "3",
                 "--lang", "zh", "--out", str(out)]) == 0
    return out


def map_shot(html: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        ctx = b.new_context(viewport={"width": 1280, "height": 800})
        ctx.route(re.compile(r"^https?://"), lambda r: r.abort())
        pg = ctx.new_page()
        pg.goto(html.as_uri())
        pg.wait_for_function("() => window.serviceCoverage !== undefined")
        pg.wait_for_timeout(1000)
        pg.screenshot(path=str(png))
        b.close()


def pages(pdf: Path, work: Path, dpi: int) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(work / pdf.stem)], check=True)
    return [Image.open(p) for p in sorted(work.glob(f"{pdf.stem}-*.png"))]


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        out = pack(work)
        map_shot(out / "map.html", work / "map.png")
        small_png(Image.open(work / "map.png"), DOCS / "pack-map.png")
        brief = pages(out / "brief.pdf", work, 80)
        small_png(brief[0], DOCS / "pack-brief.png")
        subprocess.run(["libreoffice", "--headless", f"-env:UserInstallation=file://{work}/lo", "--convert-to", "pdf",
                        "--outdir", str(work), str(out / "summary.xlsx")], check=True, capture_output=True)
        sheets = pages(work / "summary.pdf", work, 60)
        w = max(p.width for p in sheets)
        sheet = Image.new("RGB", (2 * w + 10, 2 * max(p.height for p in sheets) + 10), "#888888")
        for i, p in enumerate(sheets[:4]):
            sheet.paste(p, ((i % 2) * (w + 10), (i // 2) * (max(q.height for q in sheets) + 10)))
        small_png(sheet, DOCS / "pack-workbook.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
