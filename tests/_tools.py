"""The fast tests' access to the add-on's ``tools/``: each module loaded by its path (they never import odoo, and
importing the add-on's package would)."""

import importlib.util
import pathlib

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "addons" / "debt_collection" / "tools"


def load_tool(name):
    """The module ``tools/<name>.py`` of the add-on."""
    spec = importlib.util.spec_from_file_location(f"dc_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
