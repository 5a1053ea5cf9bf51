# Developer entry points. Each sets up what it needs on first use (scripts/setup.sh: .venv with the tools and
# Odoo 18.0 from $ODOO_SRC, PostgreSQL, wkhtmltopdf) and reuses it afterwards. An `odoo` command on PATH, or
# named by $ODOO_BIN, is used instead of installing Odoo.
SHELL := /bin/bash
ADDON := addons/debt_collection
DEMO_DB := debt_collection_demo
ENV := source scripts/env.sh
TOOLS := DC_SETUP_MODE=tools source scripts/env.sh

.PHONY: setup test test-fast lint demo bench pot

setup:  ## set up (or check) .venv, Odoo, PostgreSQL and wkhtmltopdf
	bash scripts/setup.sh

test:  ## fast suite, then the module's Odoo suite
	bash scripts/test.sh

test-fast:  ## fast suite only (pytest, no Odoo)
	$(TOOLS) && "$$PY" -m pytest tests -q

lint:
	$(TOOLS) && "$$PY" -m ruff check addons tests $(wildcard bench) && "$$PY" -m pylint --rcfile=pyproject.toml $(ADDON)

demo:  ## install/update the module with demo data in $(DEMO_DB), serve it on http://127.0.0.1:8069 (admin / admin)
	$(ENV) && "$$ODOO_BIN" -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' --addons-path=addons \
		-i debt_collection -u debt_collection --http-interface=127.0.0.1 --http-port=8069

bench:
	bash scripts/bench.sh

# A .pot is exported without --language (a language would give that language's .po). It needs a database
# with the module installed: a throw-away one, without demo data (demo records are not translated).
pot:
	@command -v msgmerge >/dev/null || { echo "make pot: needs gettext's msgmerge (apt install gettext)"; exit 1; }
	mkdir -p $(ADDON)/i18n
	$(ENV) && db=dc_pot_$$$$; data=$$(mktemp -d); \
	trap 'dropdb --if-exists "$$db"; rm -rf "$$data"' EXIT; \
	"$$ODOO_BIN" -d "$$db" --addons-path=addons --data-dir="$$data" -i debt_collection --without-demo=all \
		--stop-after-init --no-http --log-level=warn </dev/null && \
	"$$ODOO_BIN" -d "$$db" --addons-path=addons --data-dir="$$data" --log-level=warn \
		--i18n-export=$(ADDON)/i18n/debt_collection.pot --modules=debt_collection </dev/null && \
	echo "wrote $(ADDON)/i18n/debt_collection.pot"
	@# bring every .po in line with the new .pot: new strings come untranslated (the fast suite then fails
	@# until they are translated), strings no longer used go away
	for po in $(ADDON)/i18n/*.po; do \
		[ -e "$$po" ] || continue; \
		msgmerge --quiet --update --no-fuzzy-matching --backup=none "$$po" $(ADDON)/i18n/debt_collection.pot && \
		msgattrib --no-obsolete -o "$$po" "$$po" && echo "updated $$po"; \
	done
