"""The import rule, as a test: a module imports only from its own layer or the layers below it.

Layers, bottom to top (docs/architecture.md draws them). Every `import` in a module counts, also the ones
inside functions (the project imports heavy libraries lazily, and a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("tutor", "tutor.errors", "tutor.diskspace", "tutor.offline", "tutor.home", "tutor.devservices", "tutor.redact")),
    ("llm types", ("tutor.llm.base",)),
    ("prompts", ("tutor.prompts",)),
    ("llm", ("tutor.llm",)),
    ("config", ("tutor.config",)),
    ("storage and retrieval", ("tutor.db", "tutor.retrieval")),
    ("generation and learner model", ("tutor.generation", "tutor.learners")),
    ("evaluation", ("tutor.evaluation",)),
    ("services", ("tutor.services",)),
    ("interfaces", ("tutor.app", "tutor.cli", "tutor.web")),
]


def layer_of(module: str) -> int:
    """The layer of the longest prefix that names the module (tutor.llm.base before tutor.llm)."""
    best, best_len = None, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            # "tutor" names the package's __init__ only; every other prefix names a module or a package.
            matches = module == prefix or (prefix != "tutor" and module.startswith(prefix + "."))
            if matches and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS (and to docs/architecture.md)"
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports(path: Path) -> list[tuple[int, str]]:
    return imports_in(path.read_text(encoding="utf-8"), str(path))


def imports_in(source: str, filename: str = "<source>") -> list[tuple[int, str]]:
    """(line, module) for every absolute import of a tutor module in the source."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from tutor.services import practice` imports the module tutor.services.practice
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name == "tutor" or name.startswith("tutor.")]


def tutor_modules() -> list[Path]:
    return sorted(p for p in (ROOT / "tutor").rglob("*.py") if "migrations" not in p.parts)


def test_every_module_imports_only_its_own_layer_or_below():
    violations = []
    for path in tutor_modules():
        here = module_name(path)
        mine = layer_of(here)
        for line, name in imports(path):
            theirs = layer_of(name)
            if theirs > mine:
                violations.append(f"{path.relative_to(ROOT)}:{line} ({LAYERS[mine][0]}) imports {name} ({LAYERS[theirs][0]})")
    assert not violations, "imports that go up a layer:\n" + "\n".join(violations)


def test_benchmarks_reach_the_app_only_through_services():
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        for line, name in imports(path):
            assert layer_of(name) < layer_of("tutor.app"), f"{path.name}:{line} imports {name}"


def test_the_rule_sees_a_lazy_upward_import():
    """The checker itself: an import inside a function of a generation module, reaching up to services."""
    (line, name), = imports_in("def f():\n    from tutor.services import practice\n")
    assert (line, name) == (2, "tutor.services.practice")
    assert layer_of(name) > layer_of("tutor.generation.feedback")
