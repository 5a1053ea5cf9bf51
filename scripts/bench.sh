#!/usr/bin/env bash
# Run benchmark scripts with the Python interpreter of the `odoo` command (.venv's, or the one in the shebang of
# an `odoo` given from outside), so that they can `import odoo`.  Usage: scripts/bench.sh [bench/foo.py ...]   (default: every bench/*.py except the bench/_*.py helpers)
# The script runs with TZ=UTC (as Odoo's own launchers set it) and imports odoo through bench/_seed.py's
# import_odoo(), which reads the source path from the `odoo` script when odoo is not importable as it is (the
# `odoo` script itself is not run: a launcher such as `import odoo; odoo.cli.main()` has no __main__ guard).
#
# Contract of a bench script: it takes `--db NAME`, creates that database itself (installing
# debt_collection, seeding its own data in bulk), prints its figures, and drops the database when done.
# It is run from the repository root, so `addons/` is the add-on path to give Odoo.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/env.sh
source scripts/env.sh || { echo "bench: the set-up failed (above)" >&2; exit 1; }
read -r -a py <<<"$ODOO_PY"   # .venv/bin/python, or the Python of an `odoo` given from outside

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
