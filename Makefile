# Jiesu — the two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
export JIESU_HOME ?= $(CURDIR)/var
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install demo serve test validate clean

$(BIN)/jiesu: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/jiesu

validate: install
	$(BIN)/jiesu catalog validate

## The main job on the embedded default: validate the demo catalogue, migrate the SQLite database, load a
## demo history of tickets, issue an agent API key, and serve catalogue and tickets over HTTP.
demo: validate
	$(BIN)/jiesu db upgrade
	$(BIN)/jiesu data load --tickets 3000 --seed 7
	@echo "demo agent API key: $$($(BIN)/jiesu users add --name demo-agent-$$(date +%s) --role agent)"
	$(BIN)/jiesu serve --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/jiesu serve --host $(HOST) --port $(PORT)

## The test suite (what CI runs).
test: install
	$(BIN)/python -m pytest -n 2 -q

clean:
	rm -rf $(VENV) var .pytest_cache
