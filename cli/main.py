"""The `stop-intake` command: serve, worker, migrate, accounts and the operators' tools.

Command modules are imported only when their command runs (or when help lists them):
`stop-intake sanitize` must not pay for SQLAlchemy, argon2 or argos/torch, which the
service, accounts and translation commands import. Each command is still registered by
Typer from its own function or sub-app, so its name, options and help are unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping

import typer
from typer.core import TyperGroup
from typer.main import TyperInfo, get_group_from_info

# name -> (module, attribute, is a sub-app), in the order `--help` lists them.
COMMANDS: dict[str, tuple[str, str, bool]] = {
    "serve": ("cli.service", "serve", False),
    "worker": ("cli.service", "worker", False),
    "migrate": ("cli.service", "migrate", False),
    "sanitize": ("cli.sanitize", "sanitize", False),
    "detect-language": ("cli.translation", "detect_language", False),
    "moderators": ("cli.accounts", "moderators_app", True),
    "hub-clients": ("cli.accounts", "hub_clients_app", True),
    "translation": ("cli.translation", "translation_app", True),
}


class _LazyCommands(MutableMapping):
    """The group's command table: names known up front, click commands built on first use."""

    def __init__(self, owner: typer.Typer) -> None:
        self._owner = owner
        self._built: dict[str, object] = {}

    def __getitem__(self, name: str):
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            module, attribute, is_app = COMMANDS[name]
            target = getattr(importlib.import_module(module), attribute)
            single = typer.Typer()
            if is_app:
                single.add_typer(target, name=name)
            else:
                single.command(name)(target)
            group = get_group_from_info(
                TyperInfo(single),
                pretty_exceptions_short=self._owner.pretty_exceptions_short,
                rich_markup_mode=self._owner.rich_markup_mode,
                suggest_commands=self._owner.suggest_commands,
            )
            self._built[name] = group.commands[name]
        return self._built[name]

    def __setitem__(self, name: str, command: object) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("commands are fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS


class LazyGroup(TyperGroup):
    """A Typer group whose commands come from `COMMANDS`, imported on demand."""

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(app)


app = typer.Typer(
    cls=LazyGroup,
    help="STOP intake: anonymous reports, moderation and the hub feed.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """STOP intake: anonymous reports, moderation and the hub feed."""


def run() -> None:
    app()
