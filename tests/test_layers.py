"""The package's folders are layers (README, "How the code is laid out"): each imports only the
layers below it, stages never import each other, and nothing but tests imports the demo
generator. Imports are read from the source (``ast``), function-level imports included."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

LIB = ROOT / "lib" / "kequn"

# layer -> the layers it may import (itself included)
ALLOWED = {
    "lang": {"lang"},
    "data": {"lang", "data"},
    "render": {"lang", "render"},
    "models": {"lang", "data", "models"},
    "stages": {"lang", "data", "render", "models"},
    "api": {"lang", "data", "models", "api"},
    "run": {"lang", "data", "render", "models", "stages", "run"},
    "demo": {"lang", "data", "models", "demo"},
}


def module_name(path: Path, lib: Path = LIB) -> str:
    return ".".join(("kequn", *path.relative_to(lib).with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def imports_of(path: Path) -> set[str]:
    """The kequn modules ``path`` imports (``from kequn.x import y`` counts as kequn.x.y when
    kequn.x is a folder, since y is then a module)."""
    out = set()
    for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] == "kequn":
            if n.level:
                raise AssertionError(f"{path}: relative import; kequn imports are absolute")
            if n.module.count(".") <= 1:
                out |= {f"{n.module}.{a.name}" for a in n.names}
            else:
                out.add(n.module)
        elif isinstance(n, ast.ImportFrom) and n.level:
            raise AssertionError(f"{path}: relative import; kequn imports are absolute")
        elif isinstance(n, ast.Import):
            out |= {a.name for a in n.names if a.name.startswith("kequn.")}
    return out


def layer(module: str) -> str:
    parts = module.split(".")
    return "api" if parts[1] in ("api", "__init__") or len(parts) < 3 else parts[1]


def violations(lib: Path = LIB) -> list[str]:
    out = []
    for p in sorted(lib.rglob("*.py")):
        if "__pycache__" in p.parts or p.parent == lib and p.stem == "__init__":
            continue
        me = module_name(p, lib)
        for target in sorted(imports_of(p)):
            if layer(target) not in ALLOWED[layer(me)]:
                out.append(f"{me} imports {target}")
            elif layer(me) == layer(target) == "stages" and me != target:
                out.append(f"{me} imports another stage, {target}")
    return out


def test_every_module_lives_in_a_layer_folder():
    flat = sorted(p.name for p in LIB.glob("*.py") if p.stem not in ("__init__", "api"))
    assert flat == [], f"modules outside the layer folders: {flat}"
    assert {p.name for p in LIB.iterdir() if p.is_dir() and p.name != "__pycache__"} == (
        set(ALLOWED) - {"api"}
    )


def test_each_layer_imports_only_the_layers_below_it():
    assert violations() == []


@pytest.mark.parametrize(
    "where, line",
    [
        ("models/clv.py", "from kequn.stages import value"),  # a model reaching up
        ("stages/needs.py", "from kequn.stages.value import lifetime"),  # a stage using a stage
        ("data/io.py", "from kequn.demo import synth"),  # production using the demo
        ("lang/i18n.py", "from kequn.data import io"),  # the catalogue above reading
    ],
)
def test_the_check_sees_a_wrong_import(tmp_path, where, line):
    """The check is not blind: one wrong import added to a copy of the package is reported."""
    import shutil

    lib = tmp_path / "kequn"
    shutil.copytree(LIB, lib, ignore=shutil.ignore_patterns("__pycache__", "corpus", "templates"))
    p = lib / where
    p.write_text(p.read_text(encoding="utf-8") + f"\n\ndef _x():\n    {line}\n", encoding="utf-8")
    found = violations(lib)
    assert len(found) == 1 and where.replace("/", ".").removesuffix(".py") in found[0]
