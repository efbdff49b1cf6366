"""The layout's import rules, checked on every module's source (lazy imports too).

Stages never import one another, the pipeline or the CLI; the layers (run/,
store/, media/) import no stage; the edges (errors, models, config, timefmt) import
nothing of digest's but each other. ARCHITECTURE.md explains the rules.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "digest"
STAGES = {"ingest", "summarize", "script", "speak", "stitch", "encode", "publish"}
LAYERS = {"run", "store", "media"}
EDGES = {"errors", "models", "config", "timefmt"}
ENTRY = {"cli", "pipeline", "commands", "__main__"}


def part_of(module: str) -> str:
    """The top-level part of digest a dotted module name belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path) -> set[str]:
    """Every digest module ``path`` imports, wherever the import statement is."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("digest"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "digest":
                found.update(f"digest.{a.name}" for a in node.names)
            elif target.startswith("digest."):
                found.add(target)
    return found


def allowed(source: str, target: str) -> bool:
    """Whether a module of part ``source`` may import one of part ``target``."""
    if source == target or target in EDGES and source not in EDGES:
        return True
    if source in EDGES:
        return target in EDGES and (source, target) in {
            ("models", "config"),
            ("config", "errors"),
            ("models", "errors"),
        }
    if source in STAGES:
        return target in LAYERS
    if source in LAYERS:
        return target in LAYERS
    if source == "cli":
        return target != "__main__"
    if source == "__main__":
        return target == "cli"
    return target not in {"cli", "__main__"}  # pipeline, commands


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down(path: Path) -> None:
    source = part_of(module_name(path))
    if source == "":  # digest/__init__.py: the public API re-exports lazily
        return
    # The package root itself (for __version__) is open to every module.
    wrong = sorted(
        t
        for t in imported(path)
        if part_of(t) not in ("", "__version__") and not allowed(source, part_of(t))
    )
    assert not wrong, f"{module_name(path)} ({source}) must not import {wrong}"


def test_the_rules_can_fail() -> None:
    assert not allowed("speak", "script")
    assert not allowed("store", "speak")
    assert not allowed("media", "publish")
    assert not allowed("run", "stitch")
    assert not allowed("publish", "cli")
    assert not allowed("errors", "config")
    assert allowed("pipeline", "speak")
    assert allowed("encode", "store")


def test_the_layout_has_layers_and_few_top_modules() -> None:
    packages = [p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    top = list(PACKAGE.glob("*.py"))
    assert len(packages) >= 4
    assert len(top) <= 12, sorted(p.name for p in top)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_module_is_too_long(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 450, f"{module_name(path)} has {lines} lines"
