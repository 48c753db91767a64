"""The `stop-intake` command: serve, worker, migrate, accounts and the operators' tools.

Built on click directly. Each command lives in its own module and is imported only when
it runs (or when help lists it): `stop-intake sanitize` must not pay for SQLAlchemy,
argon2, pydantic or argos/torch, which the other commands import, because operators run
it over batches of photos and its start-up is part of every batch's time.
"""

from __future__ import annotations

import importlib
import sys

import click

# name -> "module:attribute" of a click command or group, in the order `--help` lists them.
COMMANDS: dict[str, str] = {
    "serve": "cli.service:serve",
    "worker": "cli.service:worker",
    "migrate": "cli.service:migrate",
    "sanitize": "cli.sanitize:sanitize",
    "detect-language": "cli.translation:detect_language",
    "moderators": "cli.accounts:moderators",
    "hub-clients": "cli.accounts:hub_clients",
    "hub": "cli.hub:hub",
    "audit": "cli.audit:audit",
    "purge": "cli.retention:purge_command",
    "duplicate-keys": "cli.duplicate_keys:duplicate_keys",
    "secret-key": "cli.secret_key:secret_key",
    "translation": "cli.translation:translation",
}


class LazyGroup(click.Group):
    """A group whose commands are named in `COMMANDS` and imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{COMMANDS[cmd_name]} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> object:
        """A bad setting ends any command with one line naming it, not a traceback.

        `core.settings` is looked up, not imported: `sanitize` must not pay for pydantic."""
        try:
            return super().invoke(ctx)
        except Exception as error:
            settings = sys.modules.get("core.settings")
            if settings is not None and isinstance(error, settings.InvalidSettings):
                raise click.ClickException(f"invalid setting: {error}") from None
            raise


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """STOP intake: anonymous reports, moderation and the hub feed."""


def run() -> None:
    cli(prog_name="stop-intake")
