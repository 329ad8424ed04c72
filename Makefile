# Acorn: two commands on a fresh machine.
#   make demo   build, then acorn demo: sandbox over HTTP, two teammates, a conflict, money (./acorn-demo)
#   make test   format lint, unit and end-to-end tests (Swift Testing), schema checks (Python jsonschema)
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libgit2-dev libdeflate-dev libsqlite3-dev zlib1g-dev libpq-dev pkg-config git python3-pip
DEMO_DIR ?= acorn-demo
ACORN = .build/debug/acorn

.PHONY: demo test deps build template lint clean crash crash-smoke fuzz fuzz-smoke test-sanitize bench bench-smoke

deps:
	@missing=""; \
	pkg-config --exists libgit2 2>/dev/null || missing="$$missing libgit2-dev"; \
	pkg-config --exists libdeflate 2>/dev/null || missing="$$missing libdeflate-dev"; \
	pkg-config --exists sqlite3 2>/dev/null || missing="$$missing libsqlite3-dev"; \
	pkg-config --exists zlib 2>/dev/null || missing="$$missing zlib1g-dev"; \
	pkg-config --exists libpq 2>/dev/null || missing="$$missing libpq-dev"; \
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
	$(ACORN) demo $(DEMO_DIR)
	$(ACORN) validate $(DEMO_DIR)/finance

lint:
	python3 scripts/embed-template.py --check
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

test: deps lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 Tests/schemas/check_schemas.py

# Crash harness (docs/reliability.md): kills sync, import, commit, merge, pull, reconcile and index
# rebuild at their kill points and after random delays; checks git fsck, acorn validate, git status
# and that reruns converge. `crash` is the full run that writes reliability/results.md (about 30
# minutes on 2 cores); `crash-smoke` is the short run CI makes after the tests.
crash: deps
	$(SWIFT) build
	python3 reliability/crash --results reliability/results.md

crash-smoke: deps
	$(SWIFT) build
	python3 reliability/crash --points 3 --delays 1

# The tests under AddressSanitizer, then ThreadSanitizer, each in its own build folder.
test-sanitize: deps
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	LSAN_OPTIONS=suppressions=$(CURDIR)/reliability/lsan.supp:print_suppressions=0 \
	  $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan

# libFuzzer targets (Sources/AcornFuzz, docs/reliability.md): `fuzz` runs each for ten minutes and
# writes reliability/results.md; `fuzz-smoke` is CI's 30 seconds a target.
fuzz:
	python3 reliability/fuzz --seconds 600 --results reliability/results.md

fuzz-smoke:
	python3 reliability/fuzz --seconds 30

# The benchmark suite (docs/performance.md): every operation beside its anchor, medians and peak
# memory into bench/results.md. `bench` is the 100,000-record run (about half an hour on 2 cores;
# `bench/run --size 1m` for a million); `bench-smoke` is CI's check that every row runs (debug build,
# 10,000 records, one run each; results under .build/, times not meaningful).
bench: deps
	python3 bench/run --size 100k

bench-smoke: deps
	python3 bench/run --size 10k --debug --runs 1

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan $(DEMO_DIR)
