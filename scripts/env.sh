# Sourced by the project's scripts (test, demo, bench, pot): sets the environment up when needed
# (scripts/setup.sh, quick when it is ready) and exports
#   ODOO_BIN   the `odoo` command: $ODOO_BIN, else an `odoo` already on PATH, else .venv/bin/odoo
#   PY         the Python of the project's tools (.venv/bin/python: pytest, ruff, pylint-odoo)
#   ODOO_PY    the Python that runs Odoo (bench scripts import odoo with it)
# with .venv/bin first on PATH.
# shellcheck shell=bash
DC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$DC_ROOT/scripts/setup.sh" "${DC_SETUP_MODE:-full}" || return 1
if [ -z "${ODOO_BIN:-}" ]; then
    ODOO_BIN="$(command -v odoo 2>/dev/null || true)"
    if [ -z "$ODOO_BIN" ] || [ "$ODOO_BIN" = "$DC_ROOT/.venv/bin/odoo" ]; then ODOO_BIN="$DC_ROOT/.venv/bin/odoo"; fi
fi
PY="$DC_ROOT/.venv/bin/python"
ODOO_PY="$PY"
if [ -x "$ODOO_BIN" ] && [ "$ODOO_BIN" != "$DC_ROOT/.venv/bin/odoo" ]; then
    _shebang="$(head -n 1 "$ODOO_BIN")"
    if [[ $_shebang == '#!'*python* ]]; then read -r -a _py <<<"${_shebang#\#!}"; ODOO_PY="${_py[*]}"; fi
    unset _shebang _py
fi
PATH="$DC_ROOT/.venv/bin:$PATH"
export ODOO_BIN PY ODOO_PY PATH
