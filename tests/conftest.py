"""Fast suite (no Odoo): shared paths.

ADDON_DIR (env) points the static checks at another copy of the add-on; relative paths are taken from
the repository root. Default: addons/debt_collection.
"""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDON_DIR = REPO_ROOT / os.environ.get("ADDON_DIR", "addons/debt_collection")


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def addon_dir():
    assert (ADDON_DIR / "__manifest__.py").is_file(), f"no add-on at {ADDON_DIR} (no __manifest__.py)"
    return ADDON_DIR
