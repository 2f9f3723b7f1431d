"""The layer rule, checked on the source: every import in ``userpool/`` (those inside
functions too) forms a graph with no cycle and no arrow against the rule

    server, cli  ->  operations  ->  domain  <-  storage, delivery, triggers

(the full table is ``ALLOWED``), and the entry-point modules of ``userpool/operations``
never import each other: what they share lives in ``operations/steps``. See
docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "userpool"

# Who may import whom, by area (a package or top-level module of userpool/). An area may
# always import itself. "base" is the shared kernel every area may use.
BASE = {"errors", "config", "settings_spec"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "config": set(),
    "settings_spec": set(),
    "model": set(),
    "domain": set(),
    "operations": {"domain", "model"},
    # adapters: each implements ports of the domain; none knows the operations
    "storage": {"domain", "bridge"},
    "delivery": {"domain", "bridge"},
    "triggers": {"domain"},
    "keys": {"domain"},
    "ratelimit": {"domain", "bridge"},
    "bridge": set(),
    "at_rest": {"domain", "storage"},
    "access_keys": {"domain"},
    "certs": {"domain", "at_rest"},
    # the composition root wires adapters into the services operations are given
    "services": {"domain", "storage", "delivery", "triggers", "keys", "ratelimit", "at_rest"},
    # the transports
    "server": {"domain", "model", "operations", "services", "access_keys", "bridge"},
    "cli": {
        "domain",
        "model",
        "operations",
        "services",
        "access_keys",
        "at_rest",
        "storage",
        "server",
        "certs",
        "__init__",
    },
    "__main__": {"cli"},
    "__init__": set(),
}
ENTRY_PACKAGE = "userpool.operations"
STEPS = "userpool.operations.steps"


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _resolve(name: str) -> str:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str, path: Path) -> Iterator[str]:
    """Every userpool module ``module`` imports, at any depth of its code."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (_resolve(a.name) for a in node.names if a.name.startswith("userpool"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            if base.startswith("userpool"):
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    yield full if full in MODULES else _resolve(base)


GRAPH = {m: {t for t in _imports(m, p) if t and t != m} for m, p in MODULES.items()}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_entry(module: str) -> bool:
    return module.rpartition(".")[0] == ENTRY_PACKAGE


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_imports_inside_functions() -> None:
    # cli.main imports the server only inside the function that serves: it must count.
    assert "userpool.server.run" in GRAPH["userpool.cli.main"]
    assert len(MODULES) > 80 and sum(map(len, GRAPH.values())) > 300


def test_no_import_cycle() -> None:
    assert _cycles() == []


def test_every_area_is_in_the_rule() -> None:
    assert {_area(m) for m in MODULES} <= set(ALLOWED)


def test_no_import_against_the_layer_rule() -> None:
    against = [
        f"{m} -> {t}"
        for m, targets in GRAPH.items()
        for t in targets
        if _area(t) != _area(m) and _area(t) not in ALLOWED[_area(m)] | BASE
    ]
    assert against == []


def test_entry_points_never_import_each_other() -> None:
    between = [
        f"{m} -> {t}"
        for m, targets in GRAPH.items()
        if _is_entry(m) and m != STEPS
        for t in targets
        if _is_entry(t) and t != STEPS
    ]
    assert between == []


def test_steps_and_domain_never_import_entry_points() -> None:
    upward = [
        f"{m} -> {t}"
        for m, targets in GRAPH.items()
        if m.startswith((STEPS, "userpool.domain"))
        for t in targets
        if (_is_entry(t) and t != STEPS) or t == ENTRY_PACKAGE
    ]
    assert upward == []


def test_operations_hold_no_hidden_request_state() -> None:
    """The request travels as an argument (``Call``), never in a ContextVar, and no module
    assigns into another's namespace."""
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        if module.startswith("userpool.operations"):
            assert "ContextVar" not in path.read_text(), module
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        assert target.value.id not in _imported_modules(tree), (
                            f"{module} assigns {target.value.id}.{target.attr}"
                        )


def _imported_modules(tree: ast.Module) -> set[str]:
    """Names bound to userpool modules by ``import`` or ``from ... import module``."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("userpool"):
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("userpool"):
                    names.add(alias.asname or alias.name.split(".")[0])
    return names


def test_every_module_has_a_docstring_and_at_most_500_lines() -> None:
    for module, path in MODULES.items():
        text = path.read_text()
        if path.name != "__init__.py" or text.strip():
            assert ast.get_docstring(ast.parse(text)), f"{module} has no docstring"
        assert text.count("\n") <= 500, f"{module} has {text.count(chr(10))} lines"
