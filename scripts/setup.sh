#!/usr/bin/env bash
# Set up, once, what the project's commands need; a second run checks and reuses it in about a second.
#
#   bash scripts/setup.sh          the tools and Odoo 18.0, PostgreSQL and wkhtmltopdf (make test, demo, bench, pot)
#   bash scripts/setup.sh tools    the tools only (make test-fast, make lint)
#
# - .venv/ (ignored by git): a virtual environment with the fast suite's tools (requirements-dev.txt) and,
#   unless an Odoo is given, Odoo 18.0 pip-installed from $ODOO_SRC with its Python requirements.
# - Odoo: $ODOO_BIN when set, else an `odoo` command already on PATH, else .venv/bin/odoo.
#   $ODOO_SRC (a path or an http(s) URL of a pip-installable Odoo 18.0 source tarball) defaults to
#   ../shared/odoo/odoo-18.0-*.tar.xz when that exists (this project's machines and CI), else to Odoo's own
#   18.0 nightly source tarball.
# - PostgreSQL answering on its default socket, and a superuser role for the current user: Debian's
#   `postgresql` is installed and its cluster started when none answers. wkhtmltopdf likewise (real PDFs), and
#   Chromium (the browser tours of the Odoo suite).
#
# .venv/.setup-done is written last, with a key of everything the environment was built from: a run killed
# half-way leaves no key, and the next run builds the environment again instead of using it half-built.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MODE="${1:-full}"
case "$MODE" in full | tools) ;; *) echo "usage: scripts/setup.sh [full|tools]" >&2; exit 2 ;; esac

VENV="$ROOT/.venv"
CACHE="$ROOT/.cache"
NIGHTLY_URL="https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

say() { echo "setup: $*" >&2; }
die() { echo "setup: $*" >&2; exit 1; }

# Root runs apt-get itself; another user through sudo when it has it.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else return 1
    fi
}
APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "$1 is missing and this machine has no apt-get: install $* yourself"
    if [ "$APT_UPDATED" -eq 0 ]; then
        as_root apt-get update -qq >/dev/null || die "apt-get update failed (run as root or with sudo, with network)"
        APT_UPDATED=1
    fi
    say "installing Debian packages: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
        || die "apt-get install $* failed"
}

# --- which Odoo -------------------------------------------------------------------------------------------------
external_odoo() {
    # env.sh exports ODOO_BIN=.venv/bin/odoo: a script sourcing it again (or a shell that did) is not using an
    # Odoo from outside, and must not rebuild .venv without Odoo
    if [ -n "${ODOO_BIN:-}" ] && [ "$ODOO_BIN" != "$VENV/bin/odoo" ]; then
        [ -x "$ODOO_BIN" ] || die "ODOO_BIN=$ODOO_BIN is not an executable file"
        echo "$ODOO_BIN"
    elif path="$(command -v odoo 2>/dev/null)" && [ "$path" != "$VENV/bin/odoo" ]; then
        echo "$path"
    fi
}

odoo_src() {
    if [ -n "${ODOO_SRC:-}" ]; then echo "$ODOO_SRC"; return; fi
    local shared
    shared="$(ls -1 "$ROOT"/../shared/odoo/odoo-18.0-*.tar.* 2>/dev/null | tail -n 1 || true)"
    if [ -n "$shared" ]; then (cd "$(dirname "$shared")" && echo "$PWD/$(basename "$shared")"); else echo "$NIGHTLY_URL"; fi
}

# What the environment is built from; a different key rebuilds it.
setup_key() {
    local src="$1"
    {
        echo "setup-v1 mode=$2 python=$(python3 -c 'import sys; print(sys.version)')"
        echo "odoo=$src"
        [ -f "$src" ] && stat -c '%s %Y' "$src"
        cat requirements-dev.txt scripts/odoo_requirements.py
    } | sha256sum | cut -d' ' -f1
}

# --- the virtual environment --------------------------------------------------------------------------------------
fetch_src() {
    local src="$1"
    case "$src" in
        http://* | https://*)
            mkdir -p "$CACHE"
            local file="$CACHE/$(basename "${src%%\?*}")"
            if [ ! -s "$file" ]; then
                say "downloading Odoo 18.0 from $src"
                local why
                if ! why="$(python3 - "$src" "$file.part" 2>&1 <<'EOF'
import shutil, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=60) as answer, open(sys.argv[2], "wb") as out:
        shutil.copyfileobj(answer, out)
except Exception as error:
    sys.exit(str(getattr(error, "reason", None) or error))
EOF
                )"; then
                    rm -f "$file.part"
                    die "cannot download Odoo 18.0 from $src (${why//$'\n'/ }): set ODOO_SRC to a pip-installable Odoo 18.0 source tarball, or use Docker (docker compose up, see README)"
                fi
                mv "$file.part" "$file"
            fi
            echo "$file"
            ;;
        *)
            [ -f "$src" ] || die "ODOO_SRC=$src: no such file: set ODOO_SRC to a pip-installable Odoo 18.0 source tarball, or use Docker (docker compose up, see README)"
            echo "$src"
            ;;
    esac
}

# The end of the pip log, without the notes of a pip configuration that lists missing local indexes.
log_tail() { grep -v "is ignored: it is neither a file nor a directory" "$CACHE/setup.log" | tail -n 20 >&2; }

build_venv() {
    local mode="$1" src="$2" key="$3" log="$CACHE/setup.log" file=""
    mkdir -p "$CACHE"
    # Fetch first: without Odoo there is nothing to build, and a half-built .venv is never left behind.
    if [ "$mode" = full ]; then file="$(fetch_src "$src")"; fi
    local started=$SECONDS
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
        rm -rf "$VENV"
        apt_install python3-venv   # Debian's python3 comes without ensurepip
        python3 -m venv "$VENV" || die "python3 -m venv failed"
    fi
    local pip=("$VENV/bin/python" -m pip install -q)
    say "installing the tools into .venv (log: $log)"
    : >"$log"
    "${pip[@]}" -r requirements-dev.txt >>"$log" 2>&1 || { log_tail; die "pip install -r requirements-dev.txt failed (log above)"; }
    if [ "$mode" = full ]; then
        say "installing Odoo 18.0 from $file and its Python requirements into .venv (about 2 minutes)"
        "$VENV/bin/python" scripts/odoo_requirements.py "$file" >"$CACHE/odoo-requirements.txt" \
            || die "$file is not an Odoo 18.0 source tarball"
        # Some of Odoo's pins are source distributions whose setup.py needs pkg_resources (setuptools < 70).
        "${pip[@]}" 'setuptools<70' wheel >>"$log" 2>&1 || { log_tail; die "pip install setuptools failed"; }
        "${pip[@]}" --no-build-isolation -r "$CACHE/odoo-requirements.txt" >>"$log" 2>&1 \
            || { log_tail; die "pip install of Odoo's requirements failed (log above)"; }
        "${pip[@]}" --no-deps --no-build-isolation "$file" >>"$log" 2>&1 \
            || { log_tail; die "pip install $file failed (log above)"; }
        "$VENV/bin/odoo" --version >/dev/null 2>&1 || die ".venv/bin/odoo does not start"
    fi
    echo "$key" >"$VENV/.setup-done"
    say "environment ready in $((SECONDS - started)) s"
}

# The add-on's libraries in the interpreter of an Odoo given from outside.
check_external_odoo() {
    local odoo="$1" shebang py
    shebang="$(head -n 1 "$odoo")"
    [[ $shebang == '#!'*python* ]] || return 0   # a launcher that is not Python: nothing to check
    read -r -a py <<<"${shebang#\#!}"
    # websocket-client: Odoo's HttpCase drives Chromium with it (without it the browser tours are skipped)
    if ! "${py[@]}" -c 'import xlsxwriter, phonenumbers, freezegun, websocket' 2>/dev/null; then
        say "installing xlsxwriter, phonenumbers, freezegun and websocket-client into the Python of $odoo"
        "${py[@]}" -m pip install -q xlsxwriter phonenumbers freezegun openpyxl websocket-client >/dev/null 2>&1 \
            || die "the Python of $odoo lacks xlsxwriter/phonenumbers/freezegun/websocket-client and pip cannot add them: install them there"
    fi
}

# --- PostgreSQL and wkhtmltopdf -----------------------------------------------------------------------------------
ensure_postgresql() {
    if ! command -v pg_isready >/dev/null 2>&1 || ! pg_isready -q; then
        command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql
        local ver name out port="${PGPORT:-5432}"
        # The cluster of the port clients use (PGPORT, else 5432), else the first one.
        if ! read -r ver name _ < <(pg_lsclusters -h 2>/dev/null | awk -v p="$port" '$3 == p' | head -n 1) \
            && ! read -r ver name _ < <(pg_lsclusters -h 2>/dev/null | head -n 1); then
            say "creating a PostgreSQL cluster"
            ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
            as_root pg_createcluster "$ver" main >/dev/null || die "pg_createcluster $ver main failed"
            name=main
        fi
        say "starting PostgreSQL $ver/$name"
        if ! out="$(as_root pg_ctlcluster "$ver" "$name" start 2>&1)"; then
            echo "$out" >&2
            tail -n 5 "/var/log/postgresql/postgresql-$ver-$name.log" 2>/dev/null >&2 || true
            die "PostgreSQL $ver/$name cannot be started (above: what pg_ctlcluster and the server's log say)"
        fi
        for _ in $(seq 30); do pg_isready -q && break; sleep 1; done
        pg_isready -q || die "PostgreSQL $ver/$name was started but does not answer on $(pg_isready 2>&1)"
    fi
    # A superuser role named after the current user: Odoo and createdb connect as that role.
    if ! psql -X -d postgres -c 'select 1' >/dev/null 2>&1; then
        local me; me="$(id -un)"   # not $USER: it may be unset
        say "creating the PostgreSQL role $me"
        if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- createuser -s "$me"
        else sudo -u postgres createuser -s "$me"; fi || die "cannot create the PostgreSQL role $me"
    fi
}

ensure_wkhtmltopdf() {
    command -v wkhtmltopdf >/dev/null 2>&1 || apt_install wkhtmltopdf
}

# The browser tours (HttpCase.start_tour) run in Debian's Chromium, which Odoo's test framework finds by itself.
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || apt_install chromium
}

# --- main ---------------------------------------------------------------------------------------------------------
odoo="$(external_odoo)"
if [ "$MODE" = tools ]; then
    # A full environment serves the tools too.
    if [ -f "$VENV/.setup-done" ] && [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pytest' 2>/dev/null; then
        exit 0
    fi
    build_venv tools "" "$(setup_key "" tools)"
    exit 0
fi

if [ -n "$odoo" ]; then
    src=external; venv_mode=tools
    check_external_odoo "$odoo"
else
    src="$(odoo_src)"; venv_mode=full
fi
key="$(setup_key "$src" "$venv_mode")"
if [ "$(cat "$VENV/.setup-done" 2>/dev/null)" != "$key" ]; then
    [ -d "$VENV" ] && say ".venv is missing parts or was built from something else: building it again"
    build_venv "$venv_mode" "$src" "$key"
fi
ensure_postgresql
ensure_wkhtmltopdf
ensure_chromium
