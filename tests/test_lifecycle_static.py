"""Static checks of the add-on's life cycle (no Odoo): the hooks the manifest names exist and are exported, the
migration scripts are where and what Odoo expects, the lifecycle scripts parse. scripts/lifecycle.sh runs the
real install, uninstall, reinstall and upgrade."""

import ast
import re
import subprocess

import pytest


@pytest.fixture(scope="module")
def manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))


def _version(text):
    return tuple(int(part) for part in text.split("."))


@pytest.mark.parametrize("hook", ["pre_init_hook", "post_init_hook", "uninstall_hook"])
def test_hooks_declared_and_exported(manifest, addon_dir, hook):
    """Odoo calls ``getattr(odoo.addons.debt_collection, manifest[hook])(env)``: a name in the manifest must be a
    function of ``hooks.py`` imported in the package's ``__init__.py``."""
    name = manifest.get(hook)
    assert name, f"__manifest__.py declares no {hook}"
    hooks = ast.parse((addon_dir / "hooks.py").read_text(encoding="utf-8"))
    functions = {node.name: node for node in hooks.body if isinstance(node, ast.FunctionDef)}
    assert name in functions, f"hooks.py has no function {name}"
    assert [arg.arg for arg in functions[name].args.args] == ["env"], f"{name} must take (env) in Odoo 18"
    init = ast.parse((addon_dir / "__init__.py").read_text(encoding="utf-8"))
    exported = {alias.asname or alias.name for node in init.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert name in exported, f"__init__.py does not import {name}"


def test_migrations_layout(manifest, addon_dir):
    """``migrations/<version>/(pre|post|end)-*.py``, each with ``migrate(cr, version)``, for versions of this
    series up to the manifest's (a folder above it would never run)."""
    folder = addon_dir / "migrations"
    if not folder.is_dir():
        pytest.skip("no migrations folder")
    current = _version(manifest["version"])
    for version_dir in sorted(path for path in folder.iterdir() if path.is_dir() and path.name != "__pycache__"):
        assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", version_dir.name), f"{version_dir.name}: not 18.0.x.y.z"
        assert _version(version_dir.name) <= current, f"{version_dir.name} is above the manifest's {current}"
        scripts = sorted(version_dir.glob("*.py"))
        assert scripts, f"{version_dir} holds no script"
        for script in scripts:
            assert re.fullmatch(r"(pre|post|end)-[\w-]+\.py", script.name), f"{script.name}: not pre-/post-/end-*.py"
            tree = ast.parse(script.read_text(encoding="utf-8"))
            migrate = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "migrate"]
            assert migrate, f"{script.name} has no migrate()"
            args = [arg.arg for arg in migrate[-1].args.args]
            assert args == ["cr", "version"], f"{script.name}: migrate{tuple(args)}, not migrate(cr, version)"


def test_current_version_has_its_migrations(manifest, addon_dir):
    """Version 18.0.2.0.0 is the first upgrade from a release (18.0.1.0.0): its folder exists."""
    assert _version(manifest["version"]) >= (18, 0, 2, 0, 0)
    assert (addon_dir / "migrations" / "18.0.2.0.0").is_dir()


@pytest.mark.parametrize("script", ["scripts/lifecycle.sh", "scripts/upgrade_check.sh"])
def test_lifecycle_scripts_parse(repo_root, script):
    result = subprocess.run(["bash", "-n", str(repo_root / script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
