"""The product's imports point down its layers and never around a loop (docs/architecture.md).

An AST walk over the product's packages finds every import of one of them, also those inside functions
(a lazy import still ties the modules together). Two checks on that graph:

- **layers**: every module belongs to one layer of :data:`LAYERS` (the longest matching prefix), and
  imports only modules of a lower layer or of its own. The domain packages form one layer whose
  members never import each other. Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` first,
  so those packages count as imported too: a package must not pull a higher layer into its children.
- **cycles**: strongly connected components: two or more modules that import each other, directly
  or around a loop.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("regionkpi", "ingest", "publish", "expectations", "samples", "dags", "benchmarks")

#: The layers, bottom to top, and the module prefixes that make them (the longest prefix decides).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("regionkpi",)),
    ("extract", ("ingest",)),
    ("organisation", ("ingest.organisation",)),
    ("domains", ("ingest.hr", "ingest.finance", "ingest.ridership", "ingest.goals", "ingest.kolada")),
    ("registry", ("ingest.registry",)),
    ("landing", ("ingest.landing",)),
    ("gate", ("expectations",)),
    ("publish", ("publish",)),
    ("samples", ("samples",)),
    ("jobs", ("regionkpi.jobs",)),
    ("dags", ("dags", "benchmarks")),
)
_PREFIXES = sorted(
    ((prefix, rank) for rank, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes), key=lambda item: -len(item[0])
)


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def import_graph() -> dict[str, set[str]]:
    """module → the product modules it imports (a ``from a.b import c`` of a module c counts as a.b.c)."""
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name not in modules and "." in name:
            name = name.rsplit(".", 1)[0]
        return name if name in modules else None

    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            for name in names:
                if name.split(".")[0] in PACKAGES and (target := resolve(name)) and target != module:
                    graph[module].add(target)
                    break
    return graph


def placement(module: str) -> tuple[int, str]:
    """(rank of the module's layer, the prefix that placed it)."""
    for prefix, rank in _PREFIXES:
        if module == prefix or module.startswith(prefix + "."):
            return rank, prefix
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")


def _packages_run(module: str) -> list[str]:
    """The packages Python runs before ``module``: ``a.b.c`` → ``a``, ``a.b``."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import that points up the layers, or from one domain package into another."""
    known = set(graph) | {t for targets in graph.values() for t in targets}
    found = []
    for module, targets in sorted(graph.items()):
        rank, prefix = placement(module)
        reached = set(targets) | {p for t in targets for p in _packages_run(t) if p in known}
        for target in sorted(reached - set(_packages_run(module)) - {module}):
            target_rank, target_prefix = placement(target)
            if target_rank > rank:
                found.append(f"{module} ({LAYERS[rank][0]}) imports {target} ({LAYERS[target_rank][0]})")
            elif LAYERS[rank][0] == "domains" and target_rank == rank and target_prefix != prefix:
                found.append(f"{module} imports {target}: one domain package imports another")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of two or more modules (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_walk_sees_the_imports_it_must():
    graph = import_graph()
    assert "ingest.sources" in graph["ingest.registry"], "the registry builds on the source framework"
    assert "ingest.goals.extracts" in graph["ingest.registry"], "and knows every source"
    assert "ingest.kolada.load" in graph["ingest.landing"], "a lazy import inside a function counts"
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_layer_check_finds_what_it_must():
    assert placement("regionkpi.settings")[0] < placement("ingest.extract")[0] < placement("ingest.hr.sick_leave")[0]
    assert LAYERS[placement("regionkpi.jobs.cli")[0]][0] == "jobs"
    graph = {
        "ingest.extract": {"regionkpi.jobs.pipeline"},  # up
        "ingest.hr.sick_leave": {"ingest.finance.ledger", "ingest.extract"},  # sideways, down
        "publish.report": {"expectations.gate"},  # down
        "regionkpi.settings": {"regionkpi.errors"},  # within the foundation
    }
    assert upward_imports(graph) == [
        "ingest.extract (extract) imports regionkpi.jobs.pipeline (jobs)",
        "ingest.hr.sick_leave imports ingest.finance.ledger: one domain package imports another",
    ]
    graph["regionkpi.jobs"] = set()  # a package the product has: importing its module runs it too
    assert "ingest.extract (extract) imports regionkpi.jobs (jobs)" in upward_imports(graph)


def test_imports_point_down_the_layers():
    upward = upward_imports(import_graph())
    assert upward == [], f"{len(upward)} imports point up the layers (docs/architecture.md):\n" + "\n".join(upward)


def test_no_import_cycle_in_the_product():
    assert cycles(import_graph()) == [], "modules that import each other: break the loop by moving code down"
