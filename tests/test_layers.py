"""Layers point one way: every import in the app's code (at the top of a module or inside a function) goes from a
higher layer to a lower one, never back up and never sideways between two packages of one layer.

The layers, lowest first (the README's Layout shows the same list):

0. foundation: settings, database, sealed, redactor, i18n, i18n_labels, i18n_dates, i18n_render, paging, errors,
   process_cache, request_memo: one job each, knowing no package (these may import each other)
1. platform: b24 (everything that speaks Bitrix24); staff: the vendor's accounts (below console and api)
2. contracts: support contracts and operators (policy §2)
3. tickets: the incident store, which files under a contract
4. services: delivery (the outbox and its channels), releases (answers that follow versions): they learn of
   tickets through tickets.signals and of portals through b24.signals; neither imports the other
4b. readmodels: the reads console and api share
5. ops: headers, limits, logs, health and metrics over everything below
6. interfaces: placements (pages in the portal), console (the vendor's staff), api (programs)
7. sandbox: the development stand-in for Bitrix24 (it seeds console staff and contracts)
8. app: the factory that wires every package
9. bench: benchmarks of the whole

A package imports its own modules and any lower layer. A lower layer that must react to something above it sends
a signal (b24/signals.py, tickets/signals.py) that the upper layer connects in its init_app.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("settings", "database", "sealed", "redactor", "i18n", "i18n_labels", "i18n_dates", "i18n_render",
                    "paging", "errors", "process_cache", "request_memo")),
    ("platform", ("b24",)),
    ("staff", ("staff",)),
    ("contracts", ("contracts",)),
    ("tickets", ("tickets",)),
    ("services", ("delivery", "releases")),
    ("readmodels", ("readmodels",)),
    ("ops", ("ops",)),
    ("interfaces", ("placements", "console", "api")),
    ("sandbox", ("sandbox",)),
    ("app", ("app",)),
    ("bench", ("bench",)),
]
# Layers whose members may import each other (one-job modules with no package behind them).
OPEN_LAYERS = {"foundation"}
# Not the app's code: the build backend that refuses to build it, deploy configs, migrations, the tests.
OUTSIDE = {"build_backend", "deploy", "migrations", "tests", "node_modules", "static", "templates", "instance",
           "artifacts", "scripts", "docs"}

LAYER_OF = {package: index for index, (_name, packages) in enumerate(LAYERS) for package in packages}
NAME_OF = {index: name for index, (name, _packages) in enumerate(LAYERS)}


def _app_modules() -> dict[str, Path]:
    """Every module of the app's own code, by dotted name."""
    modules = {}
    tops = [p for p in ROOT.iterdir() if p.name not in OUTSIDE and not p.name.startswith((".", "_"))]
    paths = [p for p in tops if p.suffix == ".py"] + [f for p in tops if p.is_dir() for f in p.rglob("*.py")]
    for path in sorted(paths):
        relative = path.relative_to(ROOT)
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """The modules ``name`` imports anywhere in its body (functions too), relative imports made absolute."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            # `from pkg import module` names a module too: count it as importing pkg.module.
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return found


def _violations() -> list[str]:
    modules = _app_modules()
    ours = {name.split(".")[0] for name in modules}
    unmapped = sorted(top for top in ours if top not in LAYER_OF)
    assert unmapped == [], f"top-level modules with no layer in tests/test_layers.py LAYERS: {unmapped}"
    wrong, seen = [], set()
    for name, path in modules.items():
        own = name.split(".")[0]
        for target, line in _imports(name, path):
            top = target.split(".")[0]
            if top not in ours or top == own:
                continue
            while target not in modules and "." in target:  # `from pkg.module import name`: the module
                target = target.rpartition(".")[0]
            if (name, target, line) in seen:
                continue
            seen.add((name, target, line))
            mine, theirs = LAYER_OF[own], LAYER_OF[top]
            if theirs < mine or (theirs == mine and NAME_OF[mine] in OPEN_LAYERS):
                continue
            where = "the same layer" if theirs == mine else f"a higher layer ({NAME_OF[theirs]})"
            wrong.append(f"{path.relative_to(ROOT)}:{line}: {name} ({NAME_OF[mine]}) imports {target} from {where}")
    return wrong


def test_every_import_points_down_the_layers():
    wrong = _violations()
    assert wrong == [], "imports against the layers (tests/test_layers.py lists them):\n" + "\n".join(wrong)


def test_the_domain_imports_neither_delivery_console_nor_ops():
    """The brief's own words, checked apart from the list: a change to LAYERS cannot let the domain climb."""
    modules = _app_modules()
    climbing = [
        f"{name} imports {target}"
        for name, path in modules.items() if name.split(".")[0] in ("tickets", "contracts")
        for target, _line in _imports(name, path)
        if target.split(".")[0] in ("delivery", "console", "ops", "api", "placements", "releases", "sandbox", "app")
    ]
    assert climbing == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The parser walks function bodies: a function-level import is an import like any other."""
    module = tmp_path / "probe.py"
    module.write_text("def f():\n    from delivery import outbox\n    import console.models\n")
    assert [target for target, _line in _imports("tickets.probe", module)] == [
        "delivery", "delivery.outbox", "console.models",
    ]
