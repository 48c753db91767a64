"""Running the real `stop-intake` command group from a test (fixture `run_cli`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from click.testing import Result

RunCli = Callable[..., Awaitable[Result]]
