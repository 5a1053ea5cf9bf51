#!/usr/bin/env bash
# Life cycle of debt_collection on throw-away databases: install -> uninstall -> reinstall, with and without demo
# data; after the uninstall nothing of the module may remain (tables, columns, indexes, constraints, sequences,
# models, fields, XML ids, crons, mail/SMS templates, menus, views, actions, rules, groups), compared with a
# database that has only the module's dependencies. With demo data, scripts/upgrade_check.sh (the upgrade from the
# previous release keeps every record) on a copy of the same template. Then the module's Odoo test suite on the
# database installed without demo data (the tests build their own data).
#
# Odoo: $ODOO_BIN when set, else the `odoo` command on PATH. PostgreSQL reachable as the current user (createdb).
# The dependencies are installed once per flavour (demo, no demo) into a template database; each scenario's
# database is a copy of it (createdb -T): installing the dependencies is most of the time.
# Options (environment): LIFECYCLE_FLAVOURS="demo nodemo" (default both), LIFECYCLE_TESTS=0 to skip the suite,
# LIFECYCLE_DB_PREFIX (default dc_life), LIFECYCLE_TEMPLATE_demo / LIFECYCLE_TEMPLATE_nodemo: an existing database
# with the dependencies installed (used as template, not dropped; LIFECYCLE_DATA_DIR: the Odoo data dir of its
# filestore), LIFECYCLE_UPGRADE=0 to skip the upgrade check
# (scripts/upgrade_check.sh, run on a copy of the demo flavour's template).
# Exit code 0 when everything holds; otherwise a line "*** LIFECYCLE FAILED: ... ***" and a non-zero exit.
# Every database it creates is dropped at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

ODOO="${ODOO_BIN:-$(command -v odoo || true)}"
[ -n "$ODOO" ] && [ -x "$ODOO" ] || { echo "*** LIFECYCLE FAILED: no Odoo (set ODOO_BIN or put 'odoo' on PATH) ***" >&2; exit 1; }
MODULE=debt_collection
ADDONS="$PWD/addons"
DEPS="$(python3 -c 'import ast, sys; print(",".join(ast.literal_eval(open(sys.argv[1]).read())["depends"]))' \
    "$ADDONS/$MODULE/__manifest__.py")"
FLAVOURS="${LIFECYCLE_FLAVOURS:-demo nodemo}"
PREFIX="${LIFECYCLE_DB_PREFIX:-dc_life}_$(date +%s)_$RANDOM"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dc_lifecycle.XXXXXX")"
DATA="${LIFECYCLE_DATA_DIR:-$WORK/data}"  # Odoo's data dir (filestores); LIFECYCLE_DATA_DIR: that of a given template
DBS=()
ok=0

cleanup() {
    local db
    for db in "${DBS[@]}"; do
        dropdb --if-exists --force "$db" >/dev/null 2>&1 || dropdb --if-exists "$db" >/dev/null 2>&1 || true
    done
    for db in "${DBS[@]}"; do rm -rf "$DATA/filestore/$db"; done
    if [ "$ok" -eq 1 ]; then rm -rf "$WORK"; else echo "lifecycle: logs kept in $WORK" >&2; fi
}
trap cleanup EXIT

fail() { echo "*** LIFECYCLE FAILED: $* ***" >&2; exit 1; }

# new_db NAME [TEMPLATE]: an empty database as Odoo makes them (template0, unicode, C collation, pg_trgm), or a
# copy of TEMPLATE.
new_db() {
    DBS+=("$1")
    if [ -n "${2:-}" ]; then
        createdb -T "$2" "$1" || fail "cannot copy database $2 to $1"
        # its files too (attachments stored by the template's modules)
        if [ -d "$DATA/filestore/$2" ]; then cp -a "$DATA/filestore/$2" "$DATA/filestore/$1"; fi
    else
        createdb -T template0 -E UTF8 --lc-collate=C "$1" \
            || fail "cannot create database $1 (PostgreSQL running? a superuser role for '$(id -un)'?)"
        psql -X -q -d "$1" -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null 2>&1 || true
    fi
}

sql() { psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" || fail "query failed on $1: $2"; }
state() { psql -X -At -d "$1" -c "SELECT state FROM ir_module_module WHERE name = '$MODULE'" 2>/dev/null || true; }

# Lines of an Odoo log that mean the step did not go well, although Odoo may still exit with 0.
log_errors() {
    grep -E " (ERROR|CRITICAL) [^ ]+ |Traceback \(most recent call last\)|Failed to load registry" "$1" \
        | grep -v "At least one test failed when loading the modules" || true
}

# run_step LABEL LOG COMMAND...: run, print its duration and exit code; fail loudly on a non-zero exit or on
# errors in its log.
run_step() {
    local label="$1" log="$2" start rc=0 errors
    shift 2
    start=$(date +%s)
    "$@" </dev/null >"$log" 2>&1 || rc=$?
    echo "  $label: $(( $(date +%s) - start )) s, exit $rc"
    if [ "$rc" -ne 0 ]; then tail -n 40 "$log" >&2; fail "$label: exit code $rc (log $log)"; fi
    errors="$(log_errors "$log")"
    if [ -n "$errors" ]; then echo "$errors" | head -n 40 >&2; fail "$label: errors in the log (log $log)"; fi
}

odoo_cmd() {  # odoo_cmd [shell] DB ARGS...: Odoo with the add-ons of this repository, no crons, no HTTP unless
    # $HTTP_PORT is set (the test suite's HttpCase tests and browser tours need it)
    local sub=() http=(--no-http)
    if [ "$1" = shell ]; then sub=(shell); shift; fi
    local db="$1"
    shift
    if [ -n "${HTTP_PORT:-}" ]; then http=(--http-interface=127.0.0.1 --http-port="$HTTP_PORT"); fi
    "$ODOO" "${sub[@]}" -d "$db" --addons-path="$ADDONS" --data-dir="$DATA" "${http[@]}" --max-cron-threads=0 \
        --log-level=warn "$@"
}
demo_flag() { [ "$1" = demo ] && return 0; echo "--without-demo=all"; }  # no flag at all loads demo data

install() {  # install DB FLAVOUR
    # shellcheck disable=SC2046  # demo_flag prints nothing or one word
    odoo_cmd "$1" -i "$MODULE" $(demo_flag "$2") --stop-after-init
}

uninstall() {  # uninstall DB: as the Apps menu does (button_immediate_uninstall runs the uninstall hook)
    odoo_cmd shell "$1" <<<"env['ir.module.module'].search([('name', '=', '$MODULE')]).button_immediate_uninstall()"
}

# What a database holds of schema and of Odoo's registries of code and data: one line per object. Compared between
# the dependencies-only template and the database after the uninstall, the difference is what the module left.
snapshot() {
    sql "$1" "
        SELECT 'table ' || c.relname || ' (' || c.relkind::text || ')' FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'S', 'p')
        UNION ALL SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
          FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL SELECT 'index ' || tablename || '.' || indexname || ': ' || indexdef
          FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': '
                         || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace = 'public'::regnamespace
        UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
        UNION ALL SELECT 'model ' || model FROM ir_model
        UNION ALL SELECT 'field ' || model || '.' || name FROM ir_model_fields
        UNION ALL SELECT 'sql constraint ' || name FROM ir_model_constraint
        UNION ALL SELECT 'relation ' || name FROM ir_model_relation
        UNION ALL SELECT 'xml id ' || module || '.' || name FROM ir_model_data
        UNION ALL SELECT 'cron ' || cron_name FROM ir_cron
        UNION ALL SELECT 'mail template ' || id || ' ' || model FROM mail_template
        UNION ALL SELECT 'sms template ' || id || ' ' || model FROM sms_template
        UNION ALL SELECT 'menu ' || id || ' ' || name::text FROM ir_ui_menu
        UNION ALL SELECT 'view ' || id || ' ' || model || ' ' || name FROM ir_ui_view
        UNION ALL SELECT 'action ' || id || ' ' || type || ' ' || name::text FROM ir_actions
        UNION ALL SELECT 'server action ' || id || ' ' || model_name FROM ir_act_server
        UNION ALL SELECT 'rule ' || id || ' ' || name FROM ir_rule
        UNION ALL SELECT 'access ' || id || ' ' || name FROM ir_model_access
        UNION ALL SELECT 'group ' || id || ' ' || name::text FROM res_groups
        UNION ALL SELECT 'default ' || d.id || ' ' || f.model || '.' || f.name
          FROM ir_default d JOIN ir_model_fields f ON f.id = d.field_id
        UNION ALL SELECT 'parameter ' || key FROM ir_config_parameter
         WHERE key NOT IN ('database.uuid', 'database.create_date', 'database.secret')
        ORDER BY 1" || fail "cannot read the schema of $1"
}

echo "=== lifecycle of $MODULE: Odoo $ODOO, dependencies $DEPS, flavours: $FLAVOURS"
total_start=$(date +%s)
for flavour in $FLAVOURS; do
    tpl="${PREFIX}_${flavour}_deps"
    db="${PREFIX}_${flavour}"
    given="LIFECYCLE_TEMPLATE_$flavour"  # an existing database with the dependencies (kept), to save time
    if [ -n "${!given:-}" ]; then
        tpl="${!given}"
        echo "--- $flavour: dependencies from the given template $tpl"
    else
        echo "--- $flavour: dependencies into template $tpl"
        new_db "$tpl"
        # shellcheck disable=SC2046
        run_step "install dependencies ($flavour)" "$WORK/$flavour-deps.log" \
            odoo_cmd "$tpl" -i "$DEPS" $(demo_flag "$flavour") --stop-after-init
    fi
    snapshot "$tpl" >"$WORK/$flavour-deps.snapshot"

    new_db "$db" "$tpl"
    run_step "install $MODULE ($flavour)" "$WORK/$flavour-install.log" install "$db" "$flavour"
    [ "$(state "$db")" = installed ] || fail "$flavour: $MODULE is '$(state "$db")' after the install"
    if [ "$flavour" = demo ]; then
        n="$(sql "$db" "SELECT COUNT(*) FROM ir_model_data WHERE module = '$MODULE' AND model = 'account.move'")"
        [ "$n" -gt 0 ] || fail "demo: no demo invoice after the install (demo data not loaded?)"
    fi

    run_step "uninstall $MODULE ($flavour)" "$WORK/$flavour-uninstall.log" uninstall "$db"
    [ "$(state "$db")" = uninstalled ] || fail "$flavour: $MODULE is '$(state "$db")' after the uninstall"
    snapshot "$db" >"$WORK/$flavour-uninstalled.snapshot"
    if ! diff "$WORK/$flavour-deps.snapshot" "$WORK/$flavour-uninstalled.snapshot" >"$WORK/$flavour.diff"; then
        echo "  left by the uninstall ('>') or lost ('<'), against the dependencies alone:" >&2
        head -n 60 "$WORK/$flavour.diff" >&2
        fail "$flavour: the uninstall does not give back the database of the dependencies"
    fi
    echo "  after the uninstall: schema and registries identical to the dependencies alone"
    if [ "$flavour" = demo ]; then
        left="$(sql "$db" "SELECT COUNT(*) FROM res_partner WHERE ref IS NULL AND name LIKE 'Công ty TNHH Thương mại Minh Phát%'")"
        [ "$left" -eq 0 ] || fail "demo: the demo customers survived the uninstall"
    fi

    run_step "reinstall $MODULE ($flavour)" "$WORK/$flavour-reinstall.log" install "$db" "$flavour"
    [ "$(state "$db")" = installed ] || fail "$flavour: $MODULE is '$(state "$db")' after the reinstall"
    if [ "$flavour" = demo ]; then
        # the demo loaded again in full: its invoices posted anew, its <function> calls run (payments, evaluations)
        n="$(sql "$db" "SELECT COUNT(*) FROM account_move m JOIN ir_model_data d ON d.model = 'account.move'
                         AND d.res_id = m.id AND d.module = '$MODULE' WHERE m.state = 'posted'")"
        p="$(sql "$db" "SELECT COUNT(*) FROM debt_promise WHERE state != 'open'")"
        [ "$n" -gt 0 ] && [ "$p" -gt 0 ] \
            || fail "demo: after the reinstall, $n posted demo invoices and $p evaluated promises (demo not reloaded?)"
        echo "  after the reinstall: $n posted demo invoices, $p evaluated promises"
    fi
    if [ "$flavour" = demo ] && [ "${LIFECYCLE_UPGRADE:-1}" != 0 ]; then
        # the upgrade from the previous release, on a copy of the same dependencies with demo data
        start=$(date +%s)
        UPGRADE_CHECK_TEMPLATE="$tpl" UPGRADE_CHECK_DB_PREFIX="${PREFIX}_upgrade" ODOO_BIN="$ODOO" \
            bash scripts/upgrade_check.sh || fail "demo: the upgrade check failed (above)"
        echo "  upgrade check: $(( $(date +%s) - start )) s"
    fi
    [ -n "${!given:-}" ] || dropdb --if-exists "$tpl"

    if [ "$flavour" = nodemo ] && [ "${LIFECYCLE_TESTS:-1}" != 0 ]; then
        log="$WORK/nodemo-tests.log"
        start=$(date +%s)
        rc=0
        HTTP_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')" \
            odoo_cmd "$db" --test-enable --test-tags "/$MODULE" --stop-after-init --log-level=test \
            </dev/null >"$log" 2>&1 || rc=$?
        re="odoo\.tests\.result: ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests"
        result="$(grep -E "$re" "$log" | tail -n 1 || true)"
        echo "  Odoo suite of $MODULE, installed without demo data: $(( $(date +%s) - start )) s, exit $rc: ${result#*odoo.tests.result: }"
        [[ $result =~ $re ]] || { tail -n 40 "$log" >&2; fail "nodemo: no test result line in $log"; }
        if [ "${BASH_REMATCH[1]}" -ne 0 ] || [ "${BASH_REMATCH[2]}" -ne 0 ] || [ "$rc" -ne 0 ]; then
            grep -E "^(FAIL|ERROR):| (ERROR|FAIL) [^ ]+ " "$log" | head -n 40 >&2 || true
            fail "nodemo: the Odoo suite failed (log $log)"
        fi
        [ "${BASH_REMATCH[3]}" -gt 0 ] || fail "nodemo: no Odoo test ran"
        # skipped tests (OdooTestResult.addSkip): only the demo's own tests may skip here (no demo data)
        skips="$(grep -E "INFO $db [^ ]+: skipped " "$log" | grep -v "test_call_demo" || true)"
        if [ -n "$skips" ]; then
            printf '%s\n' "$skips" | sed 's/^.* skipped /skipped: /' >&2
            fail "nodemo: tests skipped (above)"
        fi
    fi
    dropdb --if-exists --force "$db"
done
ok=1
echo "=== lifecycle OK in $(( $(date +%s) - total_start )) s"
