#!/usr/bin/env bash
# Upgrade check: install the previous release of debt_collection (18.0.1.0.0, git commit c09d743) with demo data on
# a throw-away database, add a manual credit hold, an order let past it and a customer without reminders, count the
# records of every debt.* model and key fields of the customers and orders (through the ORM, so that fields moved
# to another storage, e.g. made company-dependent, are still compared by meaning), then `-u debt_collection` with
# this repository's add-on and count again: every count must be kept and the module installed at the new version.
# Fails loudly; always drops its database.
#
# Usage: scripts/upgrade_check.sh [COMMIT]   (default c09d743). Odoo: $ODOO_BIN, else `odoo` on PATH.
# UPGRADE_CHECK_TEMPLATE=DB: start from a copy of DB (the dependencies installed with demo data) rather than from
# an empty database; UPGRADE_CHECK_DB_PREFIX: the name of the database (default dc_upgrade_<time>_<random>).
set -euo pipefail
cd "$(dirname "$0")/.."

OLD="${1:-c09d74339b6e0a980095461ab20b42b7ee49e1b5}"  # 18.0.1.0.0 (c09d743); a full hash, fetchable from a shallow clone
ODOO="${ODOO_BIN:-$(command -v odoo || true)}"
[ -n "$ODOO" ] && [ -x "$ODOO" ] || { echo "*** UPGRADE CHECK FAILED: no Odoo (set ODOO_BIN or put 'odoo' on PATH) ***" >&2; exit 1; }
MODULE=debt_collection
DB="${UPGRADE_CHECK_DB_PREFIX:-dc_upgrade}_$(date +%s)_$RANDOM"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dc_upgrade.XXXXXX")"
ok=0
cleanup() {
    dropdb --if-exists --force "$DB" >/dev/null 2>&1 || dropdb --if-exists "$DB" >/dev/null 2>&1 || true
    rm -rf "$WORK/data" "$WORK/old"
    if [ "$ok" -eq 1 ]; then rm -rf "$WORK"; else echo "upgrade check: logs kept in $WORK" >&2; fi
}
trap cleanup EXIT
fail() { echo "*** UPGRADE CHECK FAILED: $* ***" >&2; exit 1; }

if ! git cat-file -e "$OLD^{commit}" 2>/dev/null; then
    # a shallow clone (CI) may lack it: fetch that one commit
    git fetch --quiet --depth=1 origin "$OLD" 2>/dev/null || true
    git cat-file -e "$OLD^{commit}" 2>/dev/null \
        || fail "commit $OLD is not in this clone (shallow? run: git fetch --unshallow)"
fi
mkdir -p "$WORK/old"
git archive "$OLD" "addons/$MODULE" | tar -x -C "$WORK/old" || fail "cannot export addons/$MODULE of commit $OLD"
old_version="$(python3 -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' \
    "$WORK/old/addons/$MODULE/__manifest__.py")"
new_version="$(python3 -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' \
    "addons/$MODULE/__manifest__.py")"
echo "=== upgrade check: $MODULE $old_version (commit $OLD) -> $new_version (this tree), database $DB"

if [ -n "${UPGRADE_CHECK_TEMPLATE:-}" ]; then
    # a database with the dependencies installed with demo data (scripts/lifecycle.sh passes its own)
    createdb -T "$UPGRADE_CHECK_TEMPLATE" "$DB" || fail "cannot copy database $UPGRADE_CHECK_TEMPLATE to $DB"
else
    createdb -T template0 -E UTF8 --lc-collate=C "$DB" || fail "cannot create database $DB"
    psql -X -q -d "$DB" -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm' >/dev/null 2>&1 || true
fi

odoo_cmd() {  # odoo_cmd [shell] ADDONS_PATH ARGS...
    local sub=()
    if [ "$1" = shell ]; then sub=(shell); shift; fi
    local addons="$1"
    shift
    "$ODOO" "${sub[@]}" -d "$DB" --addons-path="$addons" --data-dir="$WORK/data" --no-http --max-cron-threads=0 \
        --log-level=warn "$@"
}
run() {  # run LABEL LOG COMMAND...: fail on a non-zero exit or errors in the log
    local label="$1" log="$2" start rc=0
    shift 2
    start=$(date +%s)
    "$@" </dev/null >"$log" 2>&1 || rc=$?
    echo "  $label: $(( $(date +%s) - start )) s, exit $rc"
    [ "$rc" -eq 0 ] || { tail -n 40 "$log" >&2; fail "$label: exit code $rc (log $log)"; }
    if grep -qE " (ERROR|CRITICAL) [^ ]+ |Traceback \(most recent call last\)" "$log"; then
        grep -E " (ERROR|CRITICAL) [^ ]+ |Traceback" "$log" | head -n 20 >&2
        fail "$label: errors in the log (log $log)"
    fi
}

# Counted through the ORM, as superuser, inactive records included, in the main company. One JSON line.
COUNT_PY='
import json
out = {}
for name in sorted(env.registry):
    model = env[name].with_context(active_test=False)
    if name.startswith("debt.") and not model._transient and not model._abstract and model._auto:
        records = model.search([])
        out[name] = len(records)
        out[name + " ids"] = sum(records.ids)
        for field in ("state", "outcome", "channel", "category", "partner_id", "company_id", "rule_id"):
            if field in model._fields and model._fields[field].store:
                for group, count in model._read_group([], [field], ["__count"]):
                    key = group.id if hasattr(group, "id") else group
                    out[f"{name} {field}={key}"] = count
partners = env["res.partner"].with_context(active_test=False)
for field in ("collector_id", "payment_contact_id", "credit_days", "no_reminder", "collection_notes",
              "debt_manual_hold", "debt_hold_reason", "debt_final_notice", "debt_attention",
              "debt_attention_reason", "credit_limit"):
    if field in partners._fields:
        out[f"res.partner {field} set"] = partners.search_count([(field, "!=", False)])
orders = env["sale.order"].with_context(active_test=False)
for field in ("debt_hold_override", "debt_hold_override_reason"):
    if field in orders._fields:
        out[f"sale.order {field} set"] = orders.search_count([(field, "!=", False)])
company = env.ref("base.main_company")
for field in sorted(company._fields):
    if field.startswith("debt_") and company._fields[field].store:
        value = company[field]
        out[f"res.company {field}"] = value.ids if hasattr(value, "ids") else value
messages = env["mail.message"].search_read([("model", "=like", "debt.%")], ["model"])
out["mail.message on debt.*"] = len(messages)
out["mail.activity on debt.*"] = env["mail.activity"].search_count([("res_model", "=like", "debt.%")])
out["mail.message on res.partner, holds"] = env["mail.message"].search_count(
    [("model", "=", "res.partner"), ("body", "ilike", "Credit hold placed")])
print("COUNTS " + json.dumps(out, sort_keys=True, default=str))
'
# Data the demo does not have, made as a collection manager would: a manual credit hold, a quotation let past it,
# a customer without reminders.
HOLD_PY='
admin = env.ref("base.user_admin")
partner = env.ref("debt_collection.demo_partner_duc_thinh")
partner.with_user(admin)._debt_set_manual_hold(True, "Upgrade check: cheque bounced twice")
order = env["sale.order"].create({"partner_id": partner.id, "order_line": [(0, 0, {
    "product_id": env.ref("product.product_product_24").id, "product_uom_qty": 1, "price_unit": 100.0})]})
order.with_user(admin)._debt_override_hold("Upgrade check: paid in advance")
env.ref("debt_collection.demo_partner_hoa_binh").no_reminder = True
env.cr.commit()
'
counts() {  # counts ADDONS_PATH OUTPUT
    odoo_cmd shell "$1" <<<"$COUNT_PY" >"$2.log" 2>&1 || { tail -n 30 "$2.log" >&2; fail "counting the records failed"; }
    { grep '^COUNTS ' "$2.log" || true; } | tail -n 1 | cut -d' ' -f2- >"$2"
    [ -s "$2" ] || { tail -n 30 "$2.log" >&2; fail "no counts in $2.log"; }
}

run "install $old_version with demo data" "$WORK/install.log" odoo_cmd "$WORK/old/addons" -i "$MODULE" --stop-after-init
odoo_cmd shell "$WORK/old/addons" <<<"$HOLD_PY" >"$WORK/hold.log" 2>&1 \
    || { tail -n 30 "$WORK/hold.log" >&2; fail "placing a credit hold failed"; }
counts "$WORK/old/addons" "$WORK/before.json"

run "upgrade to $new_version (-u $MODULE)" "$WORK/upgrade.log" \
    odoo_cmd "$PWD/addons" -u "$MODULE" --stop-after-init
state="$(psql -X -At -d "$DB" -c "SELECT state || ' ' || latest_version FROM ir_module_module WHERE name = '$MODULE'")"
[ "$state" = "installed $new_version" ] || fail "after the upgrade the module is '$state', not 'installed $new_version'"
counts "$PWD/addons" "$WORK/after.json"

python3 - "$WORK/before.json" "$WORK/after.json" <<'EOF' || fail "records or values lost by the upgrade (above)"
import json, sys
before, after = (json.load(open(path)) for path in sys.argv[1:3])
models = sorted(key for key in before if key.startswith("debt.") and " " not in key)
print("  records per model before -> after the upgrade:")
for key in models:
    print(f"    {key:32} {before[key]:6} -> {after.get(key, 'MISSING')}")
print("  customers, orders and chatter before -> after:")
for key in sorted(key for key in before if key.startswith(("res.partner", "sale.order", "mail."))):
    print(f"    {key:48} {before[key]!s:>6} -> {after.get(key, 'MISSING')}")
lost = {key: (value, after.get(key, "MISSING")) for key, value in before.items() if after.get(key, "MISSING") != value}
print(f"  {len(before)} counts and values compared, {len(lost)} differ")
for key, (old, new) in sorted(lost.items()):
    print(f"    DIFFERS {key}: {old} -> {new}", file=sys.stderr)
sys.exit(1 if lost else 0)
EOF
ok=1
echo "=== upgrade check OK: $MODULE $old_version -> $new_version keeps every record"
