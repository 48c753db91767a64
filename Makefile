.PHONY: run test test-fast lint format migrate bench

run:  ## install and start the service on the embedded default (SQLite + local media)
	scripts/bootstrap
	.venv/bin/stop-intake serve

test:  ## install everything (PostgreSQL started if needed) and run the full test suite
	scripts/test

test-fast:  ## the same without browser, fuzzing and process-starting tests (marked slow)
	scripts/test -m "not slow"

lint:  ## style, formatting, types and the import contract (layers), as CI checks them
	scripts/bootstrap --dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrate:
	.venv/bin/stop-intake migrate

bench:
	.venv/bin/python benchmarks/sanitize.py
	.venv/bin/python benchmarks/hostile.py
	.venv/bin/python benchmarks/language.py
	.venv/bin/python benchmarks/translation.py
	scripts/postgres && .venv/bin/python benchmarks/load.py
