"""How the apps depend on each other: the pipeline knows nothing of the timeline, and no module imports itself back."""

from __future__ import annotations

import ast
from pathlib import Path

from archive.pipeline.stages import STAGE_NAMES, stage_named, stage_register
from timeline.stages import CUES

ROOT = Path(__file__).resolve().parents[2]
# The processing side of the archive: it runs without the timeline, which adds its stages to it.
PROCESSING = ["archive/pipeline", "archive/collect", "archive/tasks.py", "archive/queues.py", "archive/services.py"]


def imports(path: Path) -> set[str]:
    """The project modules a file imports, at its top or inside its functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in ("archive", "timeline")}


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def project_modules() -> dict[str, set[str]]:
    graph = {}
    for folder in ("archive", "timeline"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                graph[module_of(path)] = imports(path)
    return {module: {name for name in names if name in graph} for module, names in graph.items()}


def test_the_processing_side_of_the_archive_imports_nothing_of_the_timeline() -> None:
    for part in PROCESSING:
        target = ROOT / part
        for path in [target] if target.is_file() else sorted(target.rglob("*.py")):
            reached = {name for name in imports(path) if name.startswith("timeline")}
            assert not reached, f"{path.relative_to(ROOT)} imports {sorted(reached)}"


def test_no_import_circle_among_the_project_modules() -> None:
    graph = project_modules()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for name in sorted(graph[module]):
            assert state.get(name) != "open", " -> ".join([*path, module, name])
            if name not in state:
                visit(name, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_timeline_registers_its_stage_after_ocr_once() -> None:
    assert STAGE_NAMES.index("cues") == STAGE_NAMES.index("ocr") + 1
    stage_register(CUES, after="frames")
    assert STAGE_NAMES.count("cues") == 1 and stage_named("cues") is CUES
