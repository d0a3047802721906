"""The package's imports run one way (layers), with no cycles and no borrowed private names.

Every import the package runs is counted: at module level and inside
functions and methods alike (only ``if TYPE_CHECKING:`` blocks, which never
run, are left out), and importing ``a.b`` counts as importing the package
``a`` too (its ``__init__`` runs first).

Layers, lowest first (a module may import from its own layer or below):

0. helpers: errors, CSR, hex grid, progress, version, settings, CRS, the walking rules, the API's type aliases
1. the network: its arrays, the junction graph, OSM readers (and the cache)
2. points, the locate step, snapping, reach and the nearest-segment raster
3. the analyses: assess (and what-if), isochrones, areas, siting, tiles, and the analyse step of a run
   (``products``: everything the outputs draw)
4. outputs: the writer, the formats, the map data model, the HTML map, the static map, the meeting pack
5. the CLI and the demo

The only upward imports are the convenience methods of result classes, named in
:data:`UPWARD` (geopandas' ``explore`` pattern); none of them may close a cycle.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "coverage"

LAYERS = {
    0: [
        "_errors",
        "_csr",
        "_encode",
        "_files",
        "_hex",
        "_progress",
        "_version",
        "settings",
        "crs",
        "options",
        "address",
        "_costs",
        "_types",
    ],
    1: ["network", "topology", "osm", "geocoders", "edits"],
    2: ["io", "geocoding", "snapping", "reach", "access", "locate", "raster", "gates", "demand"],
    3: [
        "assessment",
        "isochrones",
        "areas",
        "siting",
        "siting.problem",
        "siting.candidates",
        "siting.reduction",
        "siting.solvers",
        "siting.capacitated",
        "siting.result",
        "siting.median",
        "scenario",
        "capacity",
        "accessibility",
        "equity",
        "tiles",
        "tiles.partition",
        "tiles.run",
        "tiles.cluster",
        "tiles.isochrones",
        "tiles.siting",
        "streets",
        "products",
        "groups",
        "walk_access",
        "gate_siting",
        "site_names",
    ],
    4: [
        "output",
        "output._html",
        "output.files",
        "output.formats",
        "output.manifest",
        "output.mapdata",
        "output.whatif_page",
        "output.html_map",
        "output.static_map",
        "output.workbook",
        "output.brief",
        "output.report",
        "output.explore",
        "output.prepared",
        "output.people",
        "output.people_map",
    ],
    5: ["cli", "demo", "__main__"],
}
LAYER_OF = {m: n for n, mods in LAYERS.items() for m in mods}

#: The upward imports allowed, each a convenience method that hands its result to the writer or a renderer.
UPWARD = {
    ("assessment", "output.files"): "CoverageResult.to_files",
    ("assessment", "output.explore"): "CoverageResult.explore",
    ("tiles.run", "output.files"): "TiledResult.to_files",
    ("siting.result", "output.files"): "SitingResult.to_files",
    ("gate_siting", "output.files"): "GateSitingResult.to_files",
}

#: Libraries that draw or write office files: only the output sub-package imports them.
RENDERING_LIBRARIES = ("folium", "branca", "openpyxl", "matplotlib")


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


def _with_parents(importer: str, target: str):
    """``target`` and the packages above it that importing it runs
    (not the lazy root, not the importer's own)."""
    parts = target.split(".")
    for k in range(1, len(parts)):
        parent = ".".join(parts[:k])
        if parent in LAYER_OF and not (importer == parent or importer.startswith(parent + ".")):
            yield parent
    yield target


def _walk(tree: ast.AST):
    """Every node that runs: all of them but the bodies of ``if TYPE_CHECKING:``."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))


def _imports():
    """(importer, imported module, imported names) for every runtime import inside the package."""
    for path in sorted(PKG.rglob("*.py")):
        name = _module_name(path)
        if not name:  # the package __init__ loads the public names lazily (PEP 562)
            continue
        is_pkg = path.name == "__init__.py"
        for node in _walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                target = _resolve(name, is_pkg, node.level, node.module)
                names = [a.name for a in node.names]
                if target == "":  # "from . import settings" imports a module
                    for n in names:
                        yield name, n, []
                    continue
                subs = [n for n in names if f"{target}.{n}" in LAYER_OF]
                for n in subs:
                    for t in _with_parents(name, f"{target}.{n}"):
                        yield name, t, []
                for t in _with_parents(name, target):
                    yield name, t, [n for n in names if n not in subs] if t == target else []
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coverage."):
                for t in _with_parents(name, node.module.removeprefix("coverage.")):
                    yield name, t, [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("coverage."):
                        for t in _with_parents(name, a.name.removeprefix("coverage.")):
                            yield name, t, []


def _third_party():
    """(module, top-level library) for every runtime import of a library outside the package."""
    for path in sorted(PKG.rglob("*.py")):
        name = _module_name(path) or "__init__"
        for node in _walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for a in node.names:
                    yield name, a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                yield name, node.module.split(".")[0]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for src, dst, _ in _imports():
        if src != dst:
            graph.setdefault(src, set()).add(dst)
    return graph


def test_every_module_has_a_layer():
    mods = {_module_name(p) for p in PKG.rglob("*.py")} - {""}
    assert mods <= set(LAYER_OF), f"add these modules to a layer: {sorted(mods - set(LAYER_OF))}"
    assert set(LAYER_OF) <= mods, f"these modules are gone: {sorted(set(LAYER_OF) - mods)}"


def test_imports_run_one_way():
    bad = [
        f"{src} (layer {LAYER_OF[src]}) imports {dst} (layer {LAYER_OF[dst]})"
        for src, dst, _ in _imports()
        if LAYER_OF[dst] > LAYER_OF[src] and not _allowed(src, dst)
    ]
    assert not bad, "\n".join(sorted(set(bad)))


def _allowed(src: str, dst: str) -> bool:
    """An allowed upward import, or the package whose ``__init__`` it runs first."""
    return any(s == src and (d == dst or d.startswith(dst + ".")) for s, d in UPWARD)


def test_the_upward_allow_list_is_used():
    """Every allowed upward import exists (a stale entry would hide a new one)."""
    pairs = {(s, d) for s, d, _ in _imports()}
    assert set(UPWARD) <= pairs, sorted(set(UPWARD) - pairs)


def test_no_import_cycles():
    """Counting every runtime import, the modules form no cycle (graphlib names one if they do)."""
    graphlib.TopologicalSorter(_graph()).prepare()  # raises CycleError on a cycle


def test_no_private_names_borrowed():
    bad = [
        f"{src} imports {n} from {dst}"
        for src, dst, names in _imports()
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert not bad, "\n".join(bad)


def test_only_the_output_package_draws():
    """Every module that imports folium, branca, openpyxl or matplotlib is under coverage/output/."""
    bad = sorted(
        {
            f"{mod} imports {lib}"
            for mod, lib in _third_party()
            if lib in RENDERING_LIBRARIES and not mod.startswith("output")
        }
    )
    assert not bad, "\n".join(bad)


def test_the_rules_catch_violations():
    """The checks above are not vacuous: they see imports inside functions and methods, and cycles."""
    pairs = {(s, d) for s, d, _ in _imports()}
    assert ("assessment", "locate") in pairs
    assert ("siting", "siting.problem") in pairs
    assert ("output.report", "output.files") in pairs
    assert ("assessment", "output.explore") in pairs  # inside CoverageResult.explore
    assert ("products", "scenario") in pairs  # inside analyse()
    assert ("products", "tiles") not in pairs
    libs = set(_third_party())
    assert ("output.html_map", "folium") in libs  # inside a function
    graph = {**_graph(), "output.files": _graph()["output.files"] | {"assessment"}}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError:
        pass
    else:  # pragma: no cover
        raise AssertionError("a cycle through a method-level import went unseen")
