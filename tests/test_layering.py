"""The dependency direction is one-way: box2mask -> pytracking -> ltr. A lower package never imports a higher one
(nor starts one through a ``python -c`` / ``-m`` child process), and nothing edits ``sys.path``."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ORDER = ("ltr", "pytracking", "box2mask")  # each may use only those before it


def _sources(package: str):
    return sorted((REPO / package).rglob("*.py"))


def _imported_roots(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                yield node.args[0].value.split(".")[0], node.lineno


@pytest.mark.parametrize("package", ORDER[:-1])
def test_lower_packages_never_import_higher_ones(package):
    higher = ORDER[ORDER.index(package) + 1:]
    offences = []
    for path in _sources(package):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for root, line in _imported_roots(tree):
            if root in higher:
                offences.append(f"{path.relative_to(REPO)}:{line} imports {root}")
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):  # module paths handed to a child interpreter or to importlib in a string
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for name in higher:
                    if re.search(rf"(^|[^\w/.-]){name}(\.[a-z_][a-z0-9_]*)+($|[^\w/])", node.value):
                        offences.append(f"{path.relative_to(REPO)}:{node.lineno} names {name} code in a string")
    assert not offences, "\n".join(offences)


def test_no_sys_path_edits():
    offences = [f"{p.relative_to(REPO)}" for pkg in ORDER for p in _sources(pkg)
                if "sys.path.insert" in p.read_text(encoding="utf-8") or "sys.path.append" in p.read_text(encoding="utf-8")]
    assert not offences, offences
