"""`python -m cli` is the same as the `stop-intake` command."""

from cli.main import run

run()
