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
	$(BIN)/solieu ingest corpora/sample --db $(OUT)/solieu.duckdb --refresh
	$(BIN)/solieu compare --db $(OUT)/solieu.duckdb --by province,metric,period -o $(OUT)/compare.csv
	$(BIN)/solieu report --db $(OUT)/solieu.duckdb -o $(OUT)/report.html

# The report's browser tests need Debian's chromium: install it when missing, as root or with
# password-less sudo. Where apt-get does not exist, or it cannot be run as root, say so and go on:
# the browser tests then skip with the reason.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "make: chromium is missing and apt-get is not available: install chromium yourself, or the report's browser tests are skipped" >&2; \
	  elif [ "$$(id -u)" -eq 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo -n apt-get update && sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else \
	    echo "make: chromium is missing and installing it needs root (run: sudo apt-get install -y chromium); the report's browser tests are skipped" >&2; \
	  fi; }

test: $(STAMP) chromium
	@$(BIN)/python -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.dense_sentences

clean:
	rm -rf $(VENV) $(OUT)
