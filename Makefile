# Acorn: two commands on a fresh machine.
#   make demo   build, create a workspace in ./demo-workspace and validate it
#   make test   format lint, unit and end-to-end tests (Swift Testing), schema checks (Python jsonschema)
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libgit2-dev libsqlite3-dev pkg-config git python3-pip
DEMO_DIR ?= demo-workspace

.PHONY: demo test deps build template lint clean

deps:
	@missing=""; \
	pkg-config --exists libgit2 2>/dev/null || missing="$$missing libgit2-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
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
	@python3 -c 'import jsonschema, yaml' 2>/dev/null || python3 -m pip install -q jsonschema pyyaml || \
	  { echo "missing Python packages: python3 -m pip install jsonschema pyyaml"; exit 2; }

build: deps
	$(SWIFT) build

template:
	python3 scripts/embed-template.py

demo: build
	rm -rf $(DEMO_DIR)
	$(SWIFT) run -q acorn init $(DEMO_DIR) --vendor-code DEMO1 --marketplace US --marketplace DE
	@# Until the sandbox sync lands, the demo uses the example records of Tests/Fixtures.
	cp -r Tests/Fixtures/records $(DEMO_DIR)/records
	$(SWIFT) run -q acorn validate $(DEMO_DIR)
	$(SWIFT) run -q acorn list -C $(DEMO_DIR)
	$(SWIFT) run -q acorn show -C $(DEMO_DIR) INV-2019-0815

lint:
	python3 scripts/embed-template.py --check
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 Tests/schemas/check_schemas.py

clean:
	rm -rf .build $(DEMO_DIR)
