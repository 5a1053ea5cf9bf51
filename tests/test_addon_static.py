"""Static checks of the add-on: manifest, data files, XML, access rules, translations, Apps page.

No Odoo import: these run anywhere pytest, lxml and polib are installed.
"""

import ast
import csv
import re

import polib
import pytest
from lxml import etree


@pytest.fixture(scope="module")
def manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))


def rel(path, addon_dir):
    return path.relative_to(addon_dir).as_posix()


# --- manifest ---------------------------------------------------------------------------------------------------


def test_manifest_version(manifest):
    version = manifest.get("version", "")
    parts = version.split(".")
    assert version.startswith("18.0.") and len(parts) == 5 and all(p.isdigit() for p in parts), (
        f"version {version!r} is not 18.0.x.y.z"
    )


def test_manifest_license_category_application(manifest):
    assert manifest.get("license") == "LGPL-3"
    assert "Accounting" in manifest.get("category", "")
    assert manifest.get("application") is True


def test_manifest_depends(manifest):
    missing = {"account", "sale", "sms"} - set(manifest.get("depends", []))
    assert not missing, f"depends lacks {sorted(missing)}"


def test_manifest_external_dependencies(manifest):
    python_deps = set(manifest.get("external_dependencies", {}).get("python", []))
    missing = {"xlsxwriter", "phonenumbers"} - python_deps
    assert not missing, f"external_dependencies['python'] lacks {sorted(missing)}"


@pytest.mark.parametrize("key", ["data", "demo"])
def test_manifest_files_exist(manifest, addon_dir, key):
    files = manifest.get(key, [])
    missing = [f for f in files if not (addon_dir / f).is_file()]
    assert not missing, f"files listed in manifest '{key}' do not exist: {missing}"
    duplicated = sorted({f for f in files if files.count(f) > 1})
    assert not duplicated, f"files listed twice in manifest '{key}': {duplicated}"


# --- files ------------------------------------------------------------------------------------------------------


def test_python_files_parse(addon_dir):
    errors = []
    for path in sorted(addon_dir.rglob("*.py")):
        try:
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as e:
            errors.append(f"{rel(path, addon_dir)}:{e.lineno}: {e.msg}")
    assert not errors, "Python files that do not parse:\n" + "\n".join(errors)


def test_xml_files_parse(addon_dir):
    paths = sorted(addon_dir.rglob("*.xml"))
    errors = []
    for path in paths:
        try:
            etree.parse(str(path))
        except etree.XMLSyntaxError as e:
            errors.append(f"{rel(path, addon_dir)}: {e}")
    assert not errors, "XML files that do not parse:\n" + "\n".join(errors)


def test_apps_description_files(addon_dir):
    description = addon_dir / "static" / "description"
    icon = description / "icon.png"
    assert icon.is_file(), "static/description/icon.png is missing"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "icon.png is not a PNG file"
    index = description / "index.html"
    assert index.is_file(), "static/description/index.html is missing"
    assert "oe_container" in index.read_text(encoding="utf-8")


# --- access rules -----------------------------------------------------------------------------------------------


def _class_attr(node, name):
    """Value of a class-level `name = <literal>` in a ClassDef, or None."""
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            try:
                return ast.literal_eval(stmt.value)
            except ValueError:
                return None
    return None


def _is_abstract(node):
    bases = {b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", None) for b in node.bases}
    return "AbstractModel" in bases or _class_attr(node, "_abstract") is True


def declared_models(addon_dir):
    """{model name: file} for every new, non-abstract model declared in models/ and wizards/.

    A class with `_name` equal to one of its `_inherit` only extends an existing model: not counted.
    Transient models are counted: they need access rules too (Odoo 14+).
    """
    found = {}
    for folder in ("models", "wizards"):
        for path in sorted((addon_dir / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                name = _class_attr(node, "_name")
                if not isinstance(name, str) or _is_abstract(node):
                    continue
                inherit = _class_attr(node, "_inherit") or []
                if name in ([inherit] if isinstance(inherit, str) else inherit):
                    continue
                found[name] = rel(path, addon_dir)
    return found


def test_every_model_has_access_rules(addon_dir, manifest):
    models = declared_models(addon_dir)
    if not models:
        pytest.skip("the add-on declares no new model yet")
    csv_path = addon_dir / "security" / "ir.model.access.csv"
    assert csv_path.is_file(), f"{len(models)} model(s) declared but security/ir.model.access.csv is missing"
    assert "security/ir.model.access.csv" in manifest.get("data", []), "ir.model.access.csv is not in manifest data"
    with csv_path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    column = next((c for c in ("model_id:id", "model_id/id") if rows and c in rows[0]), None)
    assert column, "ir.model.access.csv has no model_id:id column"
    covered = {row[column].strip().rsplit(".", 1)[-1] for row in rows}
    missing = {name: path for name, path in models.items() if "model_" + name.replace(".", "_") not in covered}
    assert not missing, "models without a line in ir.model.access.csv: " + ", ".join(
        f"{name} ({path})" for name, path in sorted(missing.items())
    )


# --- translations -----------------------------------------------------------------------------------------------


def test_translation_files(addon_dir, tmp_path):
    i18n = addon_dir / "i18n"
    paths = sorted(p for p in i18n.glob("*") if p.suffix in (".po", ".pot")) if i18n.is_dir() else []
    if not paths:
        pytest.skip("no i18n/*.po or *.pot file yet")
    errors = []
    for path in paths:
        name = rel(path, addon_dir)
        try:
            po = polib.pofile(str(path), check_for_duplicates=True)
        except (OSError, ValueError) as e:
            errors.append(f"{name}: does not parse: {e}")
            continue
        fuzzy = po.fuzzy_entries()
        if fuzzy:
            errors.append(f"{name}: {len(fuzzy)} fuzzy entries, e.g. {fuzzy[0].msgid!r}")
        if path.suffix == ".po":
            untranslated = [e for e in po.untranslated_entries() if not e.obsolete]
            if untranslated:
                errors.append(f"{name}: {len(untranslated)} untranslated entries, e.g. {untranslated[0].msgid!r}")
            try:
                po.save_as_mofile(str(tmp_path / (path.stem + ".mo")))
            except Exception as e:  # noqa: BLE001 - report any compile error as a failure
                errors.append(f"{name}: does not compile: {e}")
    assert not errors, "\n".join(errors)


def test_po_files_have_a_language(addon_dir):
    """Odoo imports a .po for the language in its file name: vi.po -> vi, zh_TW.po -> zh_TW."""
    i18n = addon_dir / "i18n"
    bad = [p.name for p in i18n.glob("*.po") if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2}|@\w+)?", p.stem)]
    assert not bad, f"unexpected .po file names (expected e.g. vi.po, zh_TW.po): {bad}"


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\{.*?\}\}|\$\{.*?\}|\{(\w+)\}")
_QWEB_ATTR = re.compile(r"""\bt-[\w-]+="[^"]*"|\bt-[\w-]+='[^']*'""")


def _placeholders(text):
    """The placeholders of a message (Python %-formats, {name} fields, QWeb t-* attributes), as a sorted list."""
    found = [m.group(0) for m in _PLACEHOLDER.finditer(text)] + _QWEB_ATTR.findall(text)
    return sorted(found)


def test_translations_keep_placeholders(addon_dir):
    """A translation must keep every placeholder of its source (`%(amount)s`, `%s`, `{days}`, QWeb t-out=...):
    otherwise Odoo fails, or falls back to English, when it formats the message."""
    i18n = addon_dir / "i18n"
    paths = sorted(i18n.glob("*.po")) if i18n.is_dir() else []
    if not paths:
        pytest.skip("no i18n/*.po file yet")
    errors = []
    for path in paths:
        for entry in polib.pofile(str(path)):
            if not entry.msgstr or entry.obsolete:
                continue
            if _placeholders(entry.msgid) != _placeholders(entry.msgstr):
                errors.append(f"{path.name}: {entry.msgid[:60]!r}: {_placeholders(entry.msgid)} != "
                              f"{_placeholders(entry.msgstr)}")
    assert not errors, "translations that change placeholders:\n" + "\n".join(errors[:20])
