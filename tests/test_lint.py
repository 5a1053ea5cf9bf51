"""Lint gates: pylint-odoo and ruff must be clean on the add-on.

Both read their configuration from pyproject.toml (the pylint-odoo checks enabled are listed there).
Skipped only when the tool is not installed (pip install -r requirements-dev.txt).
"""

import importlib.util
import shutil
import subprocess
import sys

import pytest


def run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


def test_pylint_odoo(repo_root, addon_dir):
    if importlib.util.find_spec("pylint_odoo") is None:
        pytest.skip("pylint-odoo is not installed (pip install -r requirements-dev.txt)")
    rcfile = repo_root / "pyproject.toml"
    rc, out = run([sys.executable, "-m", "pylint", f"--rcfile={rcfile}", str(addon_dir)], repo_root)
    assert rc == 0, f"pylint-odoo found problems (exit {rc}):\n{out}"


def test_ruff(repo_root, addon_dir):
    if importlib.util.find_spec("ruff") is not None:
        ruff = [sys.executable, "-m", "ruff"]
    elif shutil.which("ruff"):
        ruff = [shutil.which("ruff")]
    else:
        pytest.skip("ruff is not installed (pip install -r requirements-dev.txt)")
    paths = [str(addon_dir)] + [d for d in ("tests", "bench") if (repo_root / d).is_dir()]
    rc, out = run([*ruff, "check", "--config", str(repo_root / "pyproject.toml"), "--no-cache", *paths], repo_root)
    assert rc == 0, f"ruff found problems (exit {rc}):\n{out}"
