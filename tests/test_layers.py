"""The package's imports run one way (layers), with no cycles and no borrowed private names.

Layers, lowest first (a module may import from its own layer or below):

0. helpers: errors, CSR, hex grid, progress, version, settings, CRS
1. the network: its arrays, the junction graph, OSM readers (and the cache)
2. points, the locate step, snapping, reach and the nearest-segment raster
3. the analyses: assess (and what-if), isochrones, areas, siting
4. outputs: files, the map data model, the HTML map, the static map, the meeting pack
5. the CLI and the demo

The one exception: deferred convenience methods on result classes
(``CoverageResult.explore()``, ``SitingResult.to_files()``), geopandas' pattern.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "coverage"

LAYERS = {
    0: ["_errors", "_csr", "_encode", "_files", "_hex", "_html", "_progress", "_version", "settings", "crs", "options",
        "address", "_costs"],
    1: ["network", "topology", "osm", "geocoders"],
    2: ["io", "geocoding", "snapping", "reach", "access", "locate", "raster", "gates", "demand"],
    3: ["assessment", "isochrones", "areas", "siting", "siting.problem", "siting.candidates",
        "siting.reduction", "siting.solvers", "siting.capacitated", "siting.result", "siting.median", "scenario", "capacity",
        "accessibility", "equity", "tiles", "tiles.partition", "tiles.run"],
    4: ["output", "output.files", "output.mapdata", "output.whatif_page", "output.basemap", "output.html_map",
        "output.static_map", "output.workbook", "output.brief", "output.report"],
    5: ["cli", "demo", "__main__"],
}
LAYER_OF = {m: n for n, mods in LAYERS.items() for m in mods}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve(current: str, is_pkg: bool, level: int, module: str | None) -> str:
    base = current.split(".") if current else []
    if not is_pkg:
        base = base[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([module] if module else [])])


def _imports():
    """(importer, imported module, imported names, exempt) for every import inside the package."""
    for path in sorted(PKG.rglob("*.py")):
        name = _module_name(path)
        if not name:  # the package __init__ loads the public names lazily
            continue
        is_pkg = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stack = []

        def visit(node, stack=stack):
            exempt = any(isinstance(c, ast.ClassDef) and c.name.endswith("Result") for c in stack) and any(
                isinstance(f, ast.FunctionDef) for f in stack)
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                target = _resolve(name, is_pkg, node.level, node.module)
                names = [a.name for a in node.names]
                if target == "":  # "from . import settings" imports a module
                    for n in names:
                        yield name, n, [], exempt
                else:
                    subs = [n for n in names if f"{target}.{n}" in LAYER_OF]
                    for n in subs:
                        yield name, f"{target}.{n}", [], exempt
                    yield name, target, [n for n in names if n not in subs], exempt
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("coverage."):
                        yield name, a.name.removeprefix("coverage."), [], exempt
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                return  # annotations only, never imported at run time
            for child in ast.iter_child_nodes(node):
                stack.append(node)
                yield from visit(child, stack)
                stack.pop()

        yield from visit(tree)


def test_every_module_has_a_layer():
    mods = {_module_name(p) for p in PKG.rglob("*.py")} - {""}
    assert mods <= set(LAYER_OF), f"add these modules to a layer: {sorted(mods - set(LAYER_OF))}"


def test_imports_run_one_way():
    bad = [
        f"{src} (layer {LAYER_OF[src]}) imports {dst} (layer {LAYER_OF[dst]})"
        for src, dst, _, exempt in _imports()
        if not exempt and LAYER_OF[dst] > LAYER_OF[src]
    ]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph: dict[str, set[str]] = {}
    for src, dst, _, exempt in _imports():
        if not exempt and src != dst:
            graph.setdefault(src, set()).add(dst)
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a cycle


def test_no_private_names_borrowed():
    bad = [
        f"{src} imports {n} from {dst}"
        for src, dst, names, _ in _imports()
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert not bad, "\n".join(bad)


def test_the_rules_catch_violations(tmp_path, monkeypatch):
    """The checks above are not vacuous: they see the imports that exist."""
    pairs = {(s, d) for s, d, _, _ in _imports()}
    assert ("assessment", "locate") in pairs
    assert ("siting", "siting.problem") in pairs
    assert ("output.report", "output.files") in pairs
    exempt = {(s, d) for s, d, _, e in _imports() if e}
    assert ("assessment", "output.html_map") in exempt  # CoverageResult.explore
    assert ("siting.result", "output.files") in exempt  # SitingResult.to_files
