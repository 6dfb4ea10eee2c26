"""tcnlib keeps its promises to readers: documented, typed, back-referenced, pure where it should be."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tcnlib

PKG = Path(tcnlib.__file__).resolve().parent
MODULES = sorted(p for p in PKG.glob("*.py") if p.name != "__init__.py")
PURE = {"config", "audio", "receptive", "models", "causality", "streaming", "tasks", "data", "wavenet",
        "beats", "cnn2d", "synth"}


def _public_defs(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            yield node


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_public_names_are_documented_with_a_notebook_reference(path):
    missing = []
    for node in _public_defs(path):
        doc = ast.get_docstring(node) or ""
        if "Notebook:" not in doc:
            missing.append(node.name)
    assert not missing, f"{path.name}: docstrings without a 'Notebook:' back-reference: {missing}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_public_functions_are_typed(path):
    untyped = []
    for node in _public_defs(path):
        funcs = [node] if isinstance(node, ast.FunctionDef) else [
            n for n in node.body if isinstance(n, ast.FunctionDef) and (not n.name.startswith("_") or n.name == "__init__")]
        for f in funcs:
            args = [a for a in f.args.args + f.args.kwonlyargs if a.arg not in ("self", "cls")]
            if any(a.annotation is None for a in args) or (f.returns is None and f.name != "__init__"):
                untyped.append(f"{node.name}.{f.name}" if f is not node else f.name)
    assert not untyped, f"{path.name}: public functions without full type hints: {untyped}"


def test_pure_modules_do_not_import_plotting_or_widgets():
    for name in sorted(PURE):
        path = PKG / f"{name}.py"
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            for m in mods:
                assert not m.startswith(("matplotlib", "ipywidgets")), (
                    f"{name}.py imports {m}: pure computation stays free of plotting and widgets")
