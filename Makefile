# Acorn: two commands on a fresh machine.
#   make demo   build, create ./demo-workspace, sync the built-in sandbox vendor, work on it
#   make test   format lint, unit and end-to-end tests (Swift Testing), schema checks (Python jsonschema)
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libgit2-dev libsqlite3-dev zlib1g-dev pkg-config git python3-pip
DEMO_DIR ?= demo-workspace
ACORN = .build/debug/acorn

.PHONY: demo test deps build template lint clean

deps:
	@missing=""; \
	pkg-config --exists libgit2 2>/dev/null || missing="$$missing libgit2-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	pkg-config --exists zlib 2>/dev/null || missing="$$missing zlib1g-dev"; \
	command -v pkg-config >/dev/null || missing="$$missing pkg-config"; \
	command -v git >/dev/null || missing="$$missing git"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing"; \
	    echo "install them with: sudo apt-get install -y$$missing"; exit 2; \
	  fi; \
	fi
	@python3 -c 'import jsonschema, yaml, beancount, openpyxl' 2>/dev/null || \
	  python3 -m pip install -q jsonschema pyyaml beancount openpyxl || \
	  { echo "missing Python packages: python3 -m pip install jsonschema pyyaml beancount openpyxl"; exit 2; }

build: deps
	$(SWIFT) build

template:
	python3 scripts/embed-template.py

demo: build
	rm -rf $(DEMO_DIR)
	$(ACORN) init $(DEMO_DIR) --vendor-code DEMO1 --marketplace US --marketplace DE --marketplace JP
	@echo "== sync the built-in sandbox vendor (no credentials) as of 2026-08-31"
	$(ACORN) sync -C $(DEMO_DIR) --until 2026-08-31
	$(ACORN) validate $(DEMO_DIR)
	@echo "== open shortage claims, from the SQLite index"
	$(ACORN) query -C $(DEMO_DIR) "SELECT deduction_number, amount, currency, state FROM deductions WHERE deduction_type = 'shortage-claim' AND state = 'detected' ORDER BY deduction_date LIMIT 5"
	@echo "== finance takes one into review; the next sync keeps the team's workflow"
	$(ACORN) set -C $(DEMO_DIR) $$($(ACORN) query -C $(DEMO_DIR) "SELECT id FROM deductions WHERE deduction_type = 'shortage-claim' AND state = 'detected' ORDER BY deduction_date LIMIT 1" --csv | tail -1 | tr -d '\r') workflow.state=in-review --note "POD requested from the carrier"
	@echo "== reconcile: what Amazon owes, what it took and why (exit 1 means error findings, e.g. a late credit)"
	@$(ACORN) reconcile -C $(DEMO_DIR) > $(DEMO_DIR)/.acorn/reconcile.txt; status=$$?; \
	  head -16 $(DEMO_DIR)/.acorn/reconcile.txt; test $$status -le 1
	$(ACORN) sync -C $(DEMO_DIR) --until 2026-09-30
	$(ACORN) status -C $(DEMO_DIR)
	git -C $(DEMO_DIR) log --oneline --graph -6
	$(ACORN) diff -C $(DEMO_DIR) HEAD~1 HEAD --stat | tail -1
	@echo "== the sync's merge recomputed the reconciliation: a reviewer reads it as sentences"
	$(ACORN) diff -C $(DEMO_DIR) HEAD~1 HEAD | grep -A2 '^reconciliation/' | head -12
	@echo "== deadlines before they pass: dispute windows, credits due, payments late (English and 中文)"
	$(ACORN) alerts -C $(DEMO_DIR) --as-of 2026-09-30 | head -12
	$(ACORN) alerts -C $(DEMO_DIR) --as-of 2026-09-30 --lang zh-CN | head -6
	@echo "== a report to look at: charts and tables in one self-contained HTML file"
	$(ACORN) report -C $(DEMO_DIR) --out $(DEMO_DIR)/.acorn/report.html
	$(ACORN) report -C $(DEMO_DIR) --lang zh-CN --out $(DEMO_DIR)/.acorn/report.zh-CN.html
	@echo "== the journal for the accountants: beancount (checked by bean-check), Kingdee and Yonyou vouchers up to August"
	$(ACORN) export -C $(DEMO_DIR) --format beancount --out $(DEMO_DIR)/.acorn/books.beancount
	bean-check $(DEMO_DIR)/.acorn/books.beancount && echo "bean-check: the journal balances"
	$(ACORN) export -C $(DEMO_DIR) --format kingdee --period 2026-08 --out $(DEMO_DIR)/.acorn/kingdee-2026-08.xlsx
	$(ACORN) export -C $(DEMO_DIR) --format yonyou --period 2026-08 --marketplace DE | head -4
	$(ACORN) validate $(DEMO_DIR)

lint:
	python3 scripts/embed-template.py --check
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 Tests/schemas/check_schemas.py

clean:
	rm -rf .build $(DEMO_DIR)
