.PHONY: run test lint format migrate bench

run:  ## install and start the service on the embedded default (SQLite + local media)
	scripts/bootstrap
	.venv/bin/stop-intake serve

test:  ## install everything (PostgreSQL started if needed) and run the full test suite
	scripts/test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrate:
	.venv/bin/stop-intake migrate

bench:
	.venv/bin/python benchmarks/sanitize.py
	.venv/bin/python benchmarks/language.py
	.venv/bin/python benchmarks/translation.py
