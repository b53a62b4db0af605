# Two set-up commands on a fresh machine: `make demo` and `make test`.
# Each creates .venv and installs what the project needs; nothing else is assumed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
OUT := out

.PHONY: demo test bench clean

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

test: $(STAMP)
	@$(BIN)/python -m pytest -q; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(OUT)
