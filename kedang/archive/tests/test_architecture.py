"""The house rules that import-linter cannot express (DESIGN.md): no app imports another app's
`_private` names, and the timeline and the export log are written only through the archive layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]  # the kedang package


def _sources() -> list[Path]:
    return [
        p
        for p in ROOT.rglob("*.py")
        if "migrations" not in p.parts and "tests" not in p.parts and ".venv" not in p.parts
    ]


def _app(path: Path) -> str:
    rel = path.relative_to(ROOT).parts
    return rel[0] if len(rel) > 1 else ""


def cross_app_private_imports(path: Path) -> list[str]:
    """`from kedang.<other app>… import _name` or a `_module` of another app, as 'file:line name'."""
    found = []
    own = _app(path)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (
            not isinstance(node, ast.ImportFrom)
            or node.level
            or not (node.module or "").startswith("kedang.")
        ):
            continue
        parts = node.module.split(".")  # type: ignore[union-attr]
        if len(parts) < 2 or parts[1] == own:
            continue
        private = [p for p in parts[2:] if p.startswith("_")]
        private += [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
        if private:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module} {','.join(private)}")
    return found


def test_no_app_imports_another_apps_private_names() -> None:
    found = [hit for p in _sources() for hit in cross_app_private_imports(p)]
    assert found == []


def test_the_check_sees_a_private_import(tmp_path: Path) -> None:
    """The rule above can fail: a file of one app importing another's private helper is caught."""
    app = ROOT / "care"
    probe = app / "_probe_private_import.py"
    probe.write_text("from kedang.customers.services.common import _clean\n")
    try:
        assert cross_app_private_imports(probe) == [
            "care/_probe_private_import.py:1 kedang.customers.services.common _clean"
        ]
    finally:
        probe.unlink()


WRITES = {
    "ExportLog.objects.create": "kedang.archive.output.output_logged",
    "Record.objects.create": "kedang.archive.timeline.record_add",
    "Record.objects.bulk_create": "kedang.archive.timeline.records_add",
}


@pytest.mark.parametrize("call", sorted(WRITES))
def test_timeline_and_export_log_are_written_only_by_the_archive_layer(call: str) -> None:
    pattern = re.compile(re.escape(call) + r"\(")
    found = [
        str(p.relative_to(ROOT)) for p in _sources() if _app(p) != "archive" and pattern.search(p.read_text())
    ]
    assert found == [], f"use {WRITES[call]}"


def imports_of(path: Path, package: str) -> list[str]:
    """Every import of `package` in the file, at the top or inside a function, as 'file:line module'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        hits = [n for n in names if n == package or n.startswith(package + ".")]
        if hits:
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {hits[0]}")
    return found


def test_customers_do_not_import_governance() -> None:
    """Filing and approval depend on customers, not the other way round (#13): a filed archive's change
    and a deletion reach governance through kedang.archive.hooks, which governance registers with. (The
    import-linter contract says the same; this one also runs under pytest.)"""
    found = [hit for p in _sources() if _app(p) == "customers" for hit in imports_of(p, "kedang.governance")]
    assert found == []


def test_the_check_sees_a_lazy_import() -> None:
    """The rule above can fail: an import inside a function of customers is caught."""
    inside = ROOT / "customers" / "_probe_lazy_import.py"
    inside.write_text("def f():\n    from kedang.governance.recycle_bin import bin_put\n")
    try:
        assert imports_of(inside, "kedang.governance") == [
            "customers/_probe_lazy_import.py:2 kedang.governance.recycle_bin"
        ]
    finally:
        inside.unlink()
