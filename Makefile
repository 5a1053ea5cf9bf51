# Developer entry points. The Odoo targets need an `odoo` command on PATH (a packaged Odoo 18.0 that finds
# its own add-ons), PostgreSQL, and a PostgreSQL role for the current user.
SHELL := /bin/bash
ADDON := addons/debt_collection
DEMO_DB := debt_collection_demo
ODOO_REQUIRED = @command -v odoo >/dev/null || { echo "make $@: no 'odoo' command on PATH (see README, Development)"; exit 1; }

.PHONY: test test-fast lint demo bench pot

test:  ## fast suite, then the Odoo suite when an `odoo` command is found
	bash scripts/test.sh

test-fast:  ## fast suite only (pytest, no Odoo)
	python3 -m pytest tests -q

lint:
	ruff check addons tests $(wildcard bench)
	python3 -m pylint --rcfile=pyproject.toml $(ADDON)

demo:  ## install/update the module with demo data in $(DEMO_DB), serve it on http://127.0.0.1:8069
	$(ODOO_REQUIRED)
	odoo -d $(DEMO_DB) --db-filter='^$(DEMO_DB)$$' --addons-path=addons \
		-i debt_collection -u debt_collection --http-interface=127.0.0.1 --http-port=8069

bench:
	bash scripts/bench.sh

# A .pot is exported without --language (a language would give that language's .po). It needs a database
# with the module installed: a throw-away one, without demo data (demo records are not translated).
pot:
	$(ODOO_REQUIRED)
	mkdir -p $(ADDON)/i18n
	db=dc_pot_$$$$; data=$$(mktemp -d); \
	trap 'dropdb --if-exists "$$db"; rm -rf "$$data"' EXIT; \
	odoo -d "$$db" --addons-path=addons --data-dir="$$data" -i debt_collection --without-demo=all \
		--stop-after-init --no-http --log-level=warn </dev/null && \
	odoo -d "$$db" --addons-path=addons --data-dir="$$data" --log-level=warn \
		--i18n-export=$(ADDON)/i18n/debt_collection.pot --modules=debt_collection </dev/null && \
	echo "wrote $(ADDON)/i18n/debt_collection.pot"
	@# bring every .po in line with the new .pot: new strings come untranslated (the fast suite then fails
	@# until they are translated), strings no longer used go away
	for po in $(ADDON)/i18n/*.po; do \
		[ -e "$$po" ] || continue; \
		msgmerge --quiet --update --no-fuzzy-matching --backup=none "$$po" $(ADDON)/i18n/debt_collection.pot && \
		msgattrib --no-obsolete -o "$$po" "$$po" && echo "updated $$po"; \
	done
