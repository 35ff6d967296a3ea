"""The layout shows the architecture: a package per concern, and imports that point one way.

Every module's imports are read with `ast`, including the ones inside functions, so a lazy
import cannot hide a dependency. docs/architecture.md describes the packages and the direction.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import outreach

PACKAGE = Path(outreach.__file__).parent
JOBS = PACKAGE.parent / "jobs"

#: the only modules that sit directly in outreach/
LOOSE_MODULES = {"__init__", "__main__", "config", "extensions", "errors", "cli"}

#: one blueprint package per audience: thin views that services never import
BLUEPRINTS = {"admin", "api", "rep", "webhooks", "main", "simulator"}
#: packages whose views are a blueprint of their own (auth also holds services)
BLUEPRINT_PACKAGES = BLUEPRINTS | {"auth"}
#: blueprint modules inside packages that also hold services
VIEW_MODULES = {"outreach.auth.views", "outreach.auth.forms"}
#: page helpers: for views and templates only
PAGE_PACKAGES = {"web"}

#: pairs of packages still importing each other, each with the reason (none left: keep it so)
ALLOWED_CYCLES: dict[frozenset[str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (names imported from a module count too)."""
    name = _module_name(path)
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in found if m == "outreach" or m.startswith("outreach.")}


def _all_imports() -> dict[str, set[str]]:
    files = [*PACKAGE.rglob("*.py"), *JOBS.rglob("*.py")]
    return {
        (_module_name(f) if f.is_relative_to(PACKAGE) else "jobs." + f.stem): _imports(f)
        for f in files
        if "__pycache__" not in f.parts
    }


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "outreach" or len(parts) < 2 or parts[1] in LOOSE_MODULES:
        return None
    return parts[1]


def _package_graph() -> dict[tuple[str, str], set[str]]:
    """(importer package, imported package) -> the module edges behind it."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module, targets in _all_imports().items():
        source = _package(module)
        for target in targets:
            imported = _package(target)
            if source and imported and source != imported:
                edges[source, imported].add(f"{module} -> {target}")
    return edges


def test_only_the_loose_modules_sit_at_the_top_of_the_package():
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose <= LOOSE_MODULES, f"move into a package: {sorted(loose - LOOSE_MODULES)}"


def test_every_folder_in_the_package_is_a_package():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")}
    missing = {f for f in folders - {"static"} if not (PACKAGE / f / "__init__.py").exists()}
    assert not missing


def test_no_two_packages_import_each_other():
    edges = _package_graph()
    cycles = {frozenset(pair) for pair in edges if tuple(reversed(pair)) in edges}
    new = {
        pair: sorted(edges[a, b] | edges[b, a])
        for pair in cycles - ALLOWED_CYCLES.keys()
        for a, b in [sorted(pair)]
    }
    assert not new, f"packages importing each other: {new}"
    broken = ALLOWED_CYCLES.keys() - cycles
    assert not broken, f"no longer a cycle, remove from ALLOWED_CYCLES: {broken}"


def test_services_do_not_import_blueprints_or_page_helpers():
    pages = BLUEPRINTS | PAGE_PACKAGES
    wrong = []
    for module, targets in _all_imports().items():
        source = _package(module)
        if source in pages or module in VIEW_MODULES or module == "outreach.auth":
            continue
        if module.split(".")[0] == "outreach" and source is None:
            continue  # create_app and the CLI wire everything together
        for target in targets:
            if _package(target) in pages or any(
                target == v or target.startswith(v + ".") for v in VIEW_MODULES
            ):
                wrong.append(f"{module} -> {target}")
    assert not wrong


def _blueprint(module: str) -> str | None:
    package = _package(module)
    if package in BLUEPRINTS or module in VIEW_MODULES:
        return package
    return None


def _blueprint_to_blueprint(imports: dict[str, set[str]]) -> list[str]:
    """Imports from a blueprint into another blueprint (auth's services are not one)."""
    return sorted(
        f"{module} -> {target}"
        for module, targets in imports.items()
        if (source := _blueprint(module))
        for target in targets
        if _package(target) != source
        and (_package(target) in BLUEPRINTS or _blueprint(target) == "auth")
    )


def test_blueprints_import_services_not_other_blueprints():
    wrong = _blueprint_to_blueprint(_all_imports())
    assert not wrong, f"a blueprint imports another blueprint: {wrong}"


def test_the_blueprint_check_catches_a_blueprint_importing_another():
    imports = {
        "outreach.admin.queue": {"outreach.api.parsing", "outreach.reporting.checkin_list"},
        "outreach.rep.views": {"outreach.auth.views", "outreach.auth.roles", "outreach.rep"},
        "outreach.auth.views": {"outreach.main.views", "outreach.auth.services"},
        "outreach.reporting.figures": {"outreach.models"},
    }
    assert _blueprint_to_blueprint(imports) == [
        "outreach.admin.queue -> outreach.api.parsing",
        "outreach.auth.views -> outreach.main.views",
        "outreach.rep.views -> outreach.auth.views",
    ]


def test_the_import_walk_sees_lazy_imports():
    imports = _imports(PACKAGE / "__init__.py")
    assert "outreach.models" in imports
    assert any(m.startswith("outreach.runtime.queues") for m in imports)
