# Two set-up commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what the project needs; nothing else is assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := out

.PHONY: demo test bench clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p $(OUT)
	$(BIN)/solieu extract corpora/sample -o $(OUT)/figures.jsonl
	$(BIN)/solieu summary $(OUT)/figures.jsonl
	$(BIN)/solieu ingest corpora/sample --db $(OUT)/solieu.duckdb
	$(BIN)/solieu compare --db $(OUT)/solieu.duckdb --by province,metric,period -o $(OUT)/compare.csv
	$(BIN)/solieu report --db $(OUT)/solieu.duckdb -o $(OUT)/report.html

# The report's browser tests need Debian's chromium: install it when missing (with sudo when not root).
# Only where apt-get does not exist is it skipped, with a message; the tests then skip with the reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	    $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium; \
	  else \
	    echo "make: apt-get is not available here: install chromium yourself, or the report's browser tests are skipped" >&2; \
	  fi; }

test: $(STAMP) chromium
	@$(BIN)/python -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(OUT)
