# `make run` and `make test` each set up what they need (venv, install, migrations).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean i18n screenshots

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "aiclub needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,web]"
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/aiclub db upgrade
	$(BIN)/aiclub run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

# Catalog keys the code uses -> bot/i18n/aiclub.pot (kept when only its date would change) ->
# every locale's aiclub.po (new keys added empty, dead ones dropped, no fuzzy guesses).
POT := bot/i18n/aiclub.pot
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --sort-output --add-location=file --project=aiclub \
		--copyright-holder="aiclub contributors" -o $(POT).new .
	@if [ -f $(POT) ] && diff -q -I '^"POT-Creation-Date:' $(POT) $(POT).new >/dev/null; \
		then rm $(POT).new; else mv $(POT).new $(POT); fi
	$(BIN)/pybabel update -i $(POT) -d bot/i18n/locale -D aiclub --no-fuzzy-matching \
		--ignore-obsolete --ignore-pot-creation-date

# The README's pictures (docs/screenshots/*.png, en and zh) from `aiclub console --web`,
# taken by Playwright with Debian's chromium (apt-get install chromium).
screenshots: $(STAMP)
	$(BIN)/python -m bot.console.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) console-out .pytest_cache .ruff_cache .mypy_cache
