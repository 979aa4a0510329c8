"""Which top-level package imports which: one way through the code, no arrow back.

    python tests/test_imports.py     prints the graph (every import, inside functions too)

recorder <- simulator, recorder <- training <- agent; evaluation above simulator,
agent and training; the commands (bcloning) on top. Read from the code's `ast`, so
an import inside a function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Bottom to top; a package may import only packages before it in this order.
LAYERS = ("recorder", "simulator", "training", "agent", "evaluation", "bcloning")
# What each package may import (besides itself).
ALLOWED = {
    "recorder": set(),
    "simulator": {"recorder"},
    "training": {"recorder"},
    "agent": {"recorder", "training"},
    "evaluation": {"recorder", "simulator", "training", "agent"},
    "bcloning": {"recorder", "simulator", "training", "agent", "evaluation"},
}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every absolute import in a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def import_graph(root: Path = ROOT) -> dict[str, dict[str, list[str]]]:
    """{package: {imported package: ["file:line module", ...]}} over the project's packages."""
    graph: dict[str, dict[str, list[str]]] = {package: {} for package in LAYERS}
    for package in LAYERS:
        for path in sorted((root / package).rglob("*.py")):
            for line, module in imported_modules(path):
                top = module.split(".")[0]
                if top in LAYERS and top != package:
                    graph[package].setdefault(top, []).append(f"{path.relative_to(root)}:{line} {module}")
    return graph


def test_every_package_imports_only_packages_below_it() -> None:
    graph = import_graph()
    wrong = [f"{package} -> {target}: {where[0]}" for package, targets in graph.items()
             for target, where in targets.items() if target not in ALLOWED[package]]
    assert not wrong, wrong
    assert set(graph["simulator"]) == {"recorder"} and set(graph["training"]) == {"recorder"}
    assert "training" in graph["agent"] and "evaluation" in graph["bcloning"]


def test_data_and_approaches_never_import_the_run_above_them() -> None:
    # training.run orchestrates a run (settings, folder, report); the data and the
    # approaches it drives are handed what they need (PrepareContext), never reach up.
    wrong = [f"{path.relative_to(ROOT)}:{line} {module}"
             for part in ("data", "approaches", "augmentation")
             for path in sorted((ROOT / "training" / part).rglob("*.py"))
             for line, module in imported_modules(path) if module.startswith("training.run")]
    assert not wrong, wrong


def test_readers_of_recordings_and_run_folders_import_no_tensorflow() -> None:
    code = ("import sys, recorder, simulator, simulator.replay, training.run.folder, training.run.parts, "
            "training.run.compare; assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, "
            "[m for m in ('tensorflow', 'keras') if m in sys.modules]")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr


if __name__ == "__main__":
    for package, targets in import_graph().items():
        print(f"{package:<10} imports {', '.join(sorted(targets)) or 'nothing of the project'}")
