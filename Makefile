# newswatch: every target sets up what it needs (a virtual environment in .venv) on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup constraints browser screenshots demo test lint typecheck unit test-slow bench bench-crawl bench-watch bench-soak clean

# constraints.txt pins every package to the version CI ran with; `make constraints` refreshes it.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev,demo]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m crawler.demo

lint: $(STAMP)
	$(VENV)/bin/ruff check crawler spiders storage tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The dashboard's browser tests drive Debian's Chromium: install it when missing (as root, as CI runs);
# elsewhere say how, and those tests skip (under CI they fail instead).
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "newswatch: installing chromium and chromium-driver for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "newswatch: chromium/chromedriver missing: apt-get install chromium chromium-driver (browser tests skip)"; fi

screenshots: $(STAMP) browser
	$(PY) -m tests.web.screenshots

# Three workers on two cores, a test module each: most tests start `newswatch` subprocesses and wait on real
# servers, timeouts and leases, so two workers left about a quarter of the CPU idle (user+sys 1065 s in 740 s
# of wall time); three keep it about 90% busy (970 s in 548 s; 981 s in 575 s in a second run).
unit: $(STAMP) browser
	$(PY) -m pytest -q -n 3 --dist loadfile

# The README's test command: lint, type checks, then the whole default suite.
test: lint typecheck unit

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# Benchmarks report ratios against a baseline measured in the same run; figures in docs/BENCHMARKS.md.
bench: $(STAMP)
	$(PY) bench/extraction.py

bench-crawl: $(STAMP)
	$(PY) bench/crawl.py --rounds 2

bench-watch: $(STAMP)
	$(PY) bench/watch.py

bench-soak: $(STAMP)
	$(PY) bench/soak.py --cycles 500

# Resolve the newest versions pyproject.toml allows in a scratch environment and pin them.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[dev,demo,bench]'
	.venv-constraints/bin/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) data/demo build *.egg-info .pytest_cache .mypy_cache .ruff_cache
