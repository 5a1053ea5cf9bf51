#!/usr/bin/env bash
# Run benchmark scripts with the Python interpreter of the `odoo` command (the one in its shebang), so that
# they can `import odoo`.  Usage: scripts/bench.sh [bench/foo.py ...]   (default: every bench/*.py except the bench/_*.py helpers)
# The script runs with TZ=UTC (as Odoo's own launchers set it) and imports odoo through bench/_seed.py's
# import_odoo(), which reads the source path from the `odoo` script when odoo is not importable as it is (the
# `odoo` script itself is not run: a launcher such as `import odoo; odoo.cli.main()` has no __main__ guard).
#
# Contract of a bench script: it takes `--db NAME`, creates that database itself (installing
# debt_collection, seeding its own data in bulk), prints its figures, and drops the database when done.
# It is run from the repository root, so `addons/` is the add-on path to give Odoo.
set -euo pipefail
cd "$(dirname "$0")/.."

odoo_bin="$(command -v odoo || true)"
[ -n "$odoo_bin" ] || { echo "bench: no 'odoo' command on PATH" >&2; exit 1; }
shebang="$(head -n 1 "$odoo_bin")"
[[ $shebang == '#!'*python* ]] || { echo "bench: $odoo_bin does not start with a python shebang" >&2; exit 1; }
read -r -a py <<<"${shebang#\#!}"   # e.g. /opt/odoo18/venv/bin/python3, or /usr/bin/env python3

if [ "$#" -eq 0 ]; then
    shopt -s nullglob
    set -- bench/[!_]*.py   # bench/_*.py are helpers
    [ "$#" -gt 0 ] || { echo "bench: no bench/*.py script"; exit 0; }
fi

status=0
for script in "$@"; do
    db="dc_bench_$(basename "$script" .py)_$(date +%s)"
    echo "=== $script (--db $db)"
    TZ=UTC PYTHONUNBUFFERED=1 "${py[@]}" "$script" --db "$db" </dev/null || { echo "*** $script failed ***" >&2; status=1; }
done
exit "$status"
