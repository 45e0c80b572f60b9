# The two commands the README gives: `make app` runs the dashboard, `make test` runs every test.
# Both set up what they need on a fresh machine: a virtual environment with the pinned packages,
# for browser tests and figure export Debian's Chromium, and for the accessibility tests the
# pinned axe-core from npm (package-lock.json; node_modules/ is only for tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: app test lint setup chromium axe

# The last step installs the checkout itself, editable: the `celltx` command runs this checkout's
# code, dashboard and data (pyproject.toml says why the dashboard is not inside the package).
$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

setup: $(BIN)/.installed

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (browser tests and figure export need it)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# axe-core is injected into every page by the browser tests; npm ci installs the locked version
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund || npm install --no-audit --no-fund
	touch $@

axe: node_modules/axe-core/axe.min.js

app: setup
	$(BIN)/celltx app --port $(PORT)

test: setup chromium axe
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
