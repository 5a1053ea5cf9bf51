#!/usr/bin/env bash
# Run the test suites: the fast suite (pytest, no Odoo), then the module's Odoo suite on a fresh database with
# demo data. What they need (.venv with the tools and Odoo 18.0, PostgreSQL, wkhtmltopdf) is set up by the
# first run (scripts/setup.sh) and reused by the next. Works from a clean clone, from any cwd.
#
#   REQUIRE_ODOO=1    (CI) the Odoo suite must run: skipping it is a failure
#   ODOO_SUITE=skip   run the fast suite only, for a quick check on a machine without Odoo; refused when
#                     REQUIRE_ODOO=1
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${ODOO_SUITE:-}" = skip ]; then
    if [ "${REQUIRE_ODOO:-0}" = 1 ]; then
        echo "*** ODOO SUITE FAILED: ODOO_SUITE=skip, but REQUIRE_ODOO=1 requires the module's Odoo suite ***" >&2
        exit 1
    fi
    export DC_SETUP_MODE=tools
fi
# shellcheck source=scripts/env.sh
source scripts/env.sh || { echo "*** TESTS NOT RUN: the set-up failed (above) ***" >&2; exit 1; }

# --- fast suite -------------------------------------------------------------------------------------------------
echo "=== fast suite: $PY -m pytest tests -q"
rc=0
"$PY" -m pytest tests -q || rc=$?
if [ "$rc" -eq 5 ]; then
    echo "*** FAST SUITE FAILED: pytest collected no tests (exit 5) ***" >&2
    exit 1
elif [ "$rc" -ne 0 ]; then
    echo "*** FAST SUITE FAILED (pytest exit $rc) ***" >&2
    exit 1
fi

# --- Odoo suite -------------------------------------------------------------------------------------------------
if [ "${ODOO_SUITE:-}" = skip ]; then
    echo "*** ODOO SUITE SKIPPED (ODOO_SUITE=skip): the module's Odoo tests did NOT run ***"
    exit 0
fi

fail() { echo "*** ODOO SUITE FAILED: $* ***" >&2; exit 1; }

DB="dc_test_$(date +%s)_$RANDOM"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dc_test.XXXXXX")"
LOG="$WORK/odoo.log"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TPL="${DB}_deps"  # the dependencies with demo data: this suite's database and the lifecycle's start from it
ok=0
cleanup() {
    local db
    for db in "$DB" "$TPL"; do
        dropdb --if-exists --force "$db" >/dev/null 2>&1 || dropdb --if-exists "$db" || true
    done
    rm -rf "$WORK/data"  # the filestores
    if [ "$ok" -eq 1 ]; then rm -rf "$WORK"; else echo "Odoo log kept in $LOG" >&2; fi
}
trap cleanup EXIT

# Same settings as Odoo's own database creation (odoo/service/db.py: template0, unicode, C collation, pg_trgm).
createdb -T template0 -E UTF8 --lc-collate=C "$TPL" \
    || fail "cannot create database $TPL (PostgreSQL running? a superuser role for '$(id -un)'?)"
psql -q -d "$TPL" -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null 2>&1 || true
DEPS="$("$PY" -c 'import ast, sys; print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))' \
    addons/debt_collection/__manifest__.py)"
echo "=== the module's dependencies ($DEPS) with demo data into $TPL"
start=$SECONDS
"$ODOO_BIN" -d "$TPL" --addons-path="$PWD/addons" -i "$DEPS" --stop-after-init --no-http --max-cron-threads=0 \
    --log-level=warn --data-dir="$WORK/data" </dev/null >"$WORK/deps.log" 2>&1 \
    || { tail -n 40 "$WORK/deps.log" >&2; fail "installing $DEPS failed (log $WORK/deps.log)"; }
echo "    $((SECONDS - start)) s"
createdb -T "$TPL" "$DB" || fail "cannot copy $TPL to $DB"
if [ -d "$WORK/data/filestore/$TPL" ]; then cp -a "$WORK/data/filestore/$TPL" "$WORK/data/filestore/$DB"; fi

# Demo data is loaded: no --without-demo flag (any value of it, even False, turns demo data off).
echo "=== Odoo suite: $ODOO_BIN, database $DB, log $LOG"
set +e
"$ODOO_BIN" -d "$DB" --addons-path="$PWD/addons" -i debt_collection \
    --test-enable --test-tags /debt_collection --stop-after-init \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level=test --data-dir="$WORK/data" \
    </dev/null 2>&1 | tee "$LOG"
odoo_rc=${PIPESTATUS[0]}
set -e
state="$(psql -tAq -d "$DB" -c "SELECT state FROM ir_module_module WHERE name = 'debt_collection'" 2>/dev/null || true)"

# Odoo's last word, logged by odoo/service/server.py (ThreadedServer.run, "%s when loading database %r") with
# odoo/tests/result.py (OdooTestResult.__str__), e.g.
#   2025-01-01 10:00:00,000 123 INFO dc_test_1 odoo.tests.result: 0 failed, 0 error(s) of 42 tests when loading database 'dc_test_1'
RESULT_RE="odoo\.tests\.result: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests when loading database '$DB'"
result="$(grep -E "$RESULT_RE" "$LOG" | tail -n 1 || true)"
[[ $result =~ $RESULT_RE ]] || fail "no test result line in the log (odoo exit code $odoo_rc)"
failed=${BASH_REMATCH[1]} errors=${BASH_REMATCH[2]} total=${BASH_REMATCH[3]}
echo "Odoo: ${result#*odoo.tests.result: }"

[ "$failed" -eq 0 ] && [ "$errors" -eq 0 ] || fail "$failed failed, $errors error(s) of $total tests"
[ "$total" -gt 0 ] || fail "no Odoo test ran (are the tests imported in tests/__init__.py?)"
[ "$odoo_rc" -eq 0 ] || fail "odoo exited with code $odoo_rc"
[ "$state" = installed ] || fail "module debt_collection is '${state:-absent}' after the run, not installed"
# Loading problems that are not test failures (demo data that failed, modules not loaded, registry or
# server errors); test failures themselves are counted above.
bad="$(grep -E "odoo\.modules\.loading: .*(Failed|failed)| CRITICAL | ERROR [^ ]+ odoo\.(modules|service|registry|sql_db)[a-z_.]*: " "$LOG" \
    | grep -v "At least one test failed when loading the modules" || true)"
[ -z "$bad" ] || { echo "$bad" >&2; fail "errors while loading the module (above)"; }

# Skipped tests (OdooTestResult.addSkip logs "skipped <test> : <reason>"): a browser tour skipped for want of
# Chromium or websocket-client, the real-PDF test for want of wkhtmltopdf. With REQUIRE_ODOO=1 (CI) every test
# must have run.
skips="$(grep -E "INFO $DB [^ ]+: skipped " "$LOG" || true)"
skipped=0
if [ -n "$skips" ]; then
    skipped="$(printf '%s\n' "$skips" | wc -l)"
    printf '%s\n' "$skips" | sed 's/^.* skipped /skipped: /' >&2
    [ "${REQUIRE_ODOO:-0}" != 1 ] || fail "$skipped test(s) skipped (above); REQUIRE_ODOO=1 requires every test to run"
fi

echo "odoo suite: $((total - failed - errors - skipped)) passed, 0 failed, $skipped skipped"

# --- life cycle -------------------------------------------------------------------------------------------------
# install -> uninstall -> reinstall with and without demo data, the upgrade from 18.0.1.0.0, the Odoo suite
# without demo data (scripts/lifecycle.sh), starting from this run's template of the dependencies with demo data
dropdb --if-exists --force "$DB" >/dev/null 2>&1 || true
LIFECYCLE_TEMPLATE_demo="$TPL" LIFECYCLE_DATA_DIR="$WORK/data" bash scripts/lifecycle.sh \
    || fail "the life cycle failed (above)"
ok=1
