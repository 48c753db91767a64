"""Commands for accounts: moderators (add, list, disable, enable, set-role, reset-password,
reset-2fa) and hub clients (add, list, rotate, revoke, scopes; their webhooks in
`cli.webhooks`).

Each change is audited as done on the command line (no acting moderator, `via: cli`); hub
clients through `moderation.hub_clients`, which never records a key. Disabling an
account or resetting its password or second factor ends its sessions and tokens at once.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import echo_table
from cli.common import in_transaction as _in_transaction
from cli.webhooks import webhooks
from core.clock import utcnow
from core.errors import StopError
from core.hashing import keyed_hasher
from core.passwords import PasswordHashing
from core.settings import get_settings
from hub import clients as hub
from models.hub_client import DEFAULT_HUB_SCOPES, HubClient, HubScope
from models.moderator import Moderator, ModeratorRole
from moderation import accounts
from moderation import hub_clients as audited_hub
from moderation.password_policy import check_password
from moderation.usernames import checked_username, normalise_username

ROLES = [role.value for role in ModeratorRole]
SCOPES = [scope.value for scope in HubScope]


@click.group()
def moderators() -> None:
    """Moderator accounts."""


@click.group("hub-clients")
def hub_clients() -> None:
    """Machine clients of the hub feed."""


hub_clients.add_command(webhooks)


T = TypeVar("T")


def _on_account(username: str, change: Callable[[AsyncSession, Moderator], Awaitable[T]]) -> T:
    """`change` applied to the named account, in one transaction."""

    async def work(session: AsyncSession) -> T:
        return await change(session, await accounts.find_account(session, username))

    return _in_transaction(work)


def _password(password_stdin: bool, username: str) -> str:
    """A password read from stdin (checked against the policy), or a generated one."""
    if not password_stdin:
        return accounts.generate_password(username)
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        check_password(password, username)
    except StopError as error:
        raise click.ClickException(error.detail) from None
    return password


def _username(typed: str) -> str:
    try:
        return checked_username(typed)
    except StopError as error:
        raise click.ClickException(error.detail) from None


_password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin (one line)."
)


@moderators.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=ModeratorRole.MODERATOR.value,
    show_default=True,
    help="What the account may do.",
)
@_password_stdin
def add_moderator(username: str, role: str, password_stdin: bool) -> None:
    """Create a moderator; prints a generated password unless one is read from stdin."""
    name = _username(username)
    password = _password(password_stdin, name)
    chosen = ModeratorRole(role)
    passwords = PasswordHashing.from_settings(get_settings())
    _in_transaction(
        lambda session: accounts.create_moderator(session, passwords, name, chosen, password)
    )
    click.echo(f"Moderator {name!r} created with role {role}.")
    if chosen.value in get_settings().require_2fa_roles:
        click.echo("This role must set up two-factor login in the console at its first login.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@moderators.command("list")
def list_moderators() -> None:
    """Every account: role, state, two-factor login, live sessions, last login."""
    settings = get_settings()
    rows = _in_transaction(lambda session: accounts.list_accounts(session, settings))
    header = ("USERNAME", "ROLE", "STATE", "2FA", "SESSIONS", "LAST LOGIN (UTC)")
    lines = [header]
    for row in rows:
        last = row.last_login.strftime("%Y-%m-%d %H:%M") if row.last_login else "-"
        lines.append(
            (
                row.moderator.username,
                row.moderator.role.value,
                "active" if row.moderator.is_active else "disabled",
                "on" if row.two_factor else "off",
                str(row.live_sessions),
                last,
            )
        )
    echo_table(lines)


@moderators.command("disable")
@click.argument("username")
def disable_moderator(username: str) -> None:
    """Refuse the account's logins and end its sessions and tokens now."""
    ended = _on_account(
        username, lambda session, target: accounts.disable(session, target, by=None, via="cli")
    )
    click.echo(f"Moderator {normalise_username(username)!r} disabled; {ended} session(s) ended.")


@moderators.command("enable")
@click.argument("username")
def enable_moderator(username: str) -> None:
    """Let a disabled account log in again (and lift any delay after failed logins)."""
    hasher = keyed_hasher(get_settings())
    _on_account(
        username,
        lambda session, target: accounts.enable(session, hasher, target, by=None, via="cli"),
    )
    click.echo(f"Moderator {normalise_username(username)!r} enabled.")


@moderators.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def set_moderator_role(username: str, role: str) -> None:
    """Change what the account may do (from its next request on)."""
    chosen = ModeratorRole(role)
    _on_account(
        username,
        lambda session, target: accounts.set_role(session, target, chosen, by=None, via="cli"),
    )
    click.echo(f"Moderator {normalise_username(username)!r} now has role {role}.")


@moderators.command("reset-password")
@click.argument("username")
@_password_stdin
def reset_moderator_password(username: str, password_stdin: bool) -> None:
    """Set a new password (generated and printed once, or read from stdin); ends the
    account's sessions and lifts any delay after failed logins."""
    name = normalise_username(username)
    password = _password(password_stdin, name)
    settings = get_settings()
    passwords = PasswordHashing.from_settings(settings)
    hasher = keyed_hasher(settings)
    ended = _on_account(
        name,
        lambda session, target: accounts.reset_password(
            session, passwords, hasher, target, password, by=None, via="cli"
        ),
    )
    click.echo(f"Password of {name!r} reset; {ended} session(s) ended.")
    if not password_stdin:
        click.echo(f"Password (shown once): {password}")


@moderators.command("reset-2fa")
@click.argument("username")
def reset_moderator_second_factor(username: str) -> None:
    """Remove the account's authenticator and recovery codes (a lost phone); ends its
    sessions. A role that requires two-factor login sets it up again at its next login."""
    ended = _on_account(
        username,
        lambda session, target: accounts.reset_second_factor(session, target, by=None, via="cli"),
    )
    name = normalise_username(username)
    click.echo(f"Two-factor login of {name!r} removed; {ended} session(s) ended.")


_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Duration(click.ParamType[timedelta]):
    """A duration such as `24h`, `90m`, `30s`, `2d`, or `0`."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        found = _DURATION.match(str(value))
        if not found or (not found[2] and int(found[1]) != 0):
            self.fail(f"{value!r} is not a duration such as 24h, 90m, 30s or 0", param, ctx)
        if not found[2]:
            return timedelta(0)
        return timedelta(**{_UNITS[found[2]]: int(found[1])})


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@hub_clients.command("add")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(SCOPES),
    multiple=True,
    help=f"What the client may read; repeat for several. [default: {DEFAULT_HUB_SCOPES[0]}]",
)
def add_hub_client(name: str, scopes: tuple[str, ...]) -> None:
    """Create a hub client; prints its API key once (the last word of the output)."""
    hasher = keyed_hasher(get_settings())
    chosen = [HubScope(scope) for scope in scopes] or list(DEFAULT_HUB_SCOPES)
    key = _in_transaction(
        lambda session: audited_hub.add(session, hasher, name, chosen, by=None, via="cli")
    )
    listed = ", ".join(sorted(scope.value for scope in chosen))
    click.echo(f"Hub client {name!r} created with scopes {listed}. API key (shown once): {key}")


@hub_clients.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def list_hub_clients(as_json: bool) -> None:
    """Every hub client: scopes, created, last seen (to the hour), state. No keys."""
    rows: list[HubClient] = _in_transaction(hub.list_hub_clients)
    now = utcnow()

    def overlap_ends(client: HubClient) -> datetime | None:
        ends = client.previous_key_expires_at
        return ends if client.is_active and ends is not None and ends > now else None

    if as_json:
        for client in rows:
            record = {
                "name": client.name,
                "scopes": sorted(client.scopes),
                "created_at": _iso(client.created_at),
                "last_seen_at": _iso(client.last_seen_at),
                "revoked": not client.is_active,
                "revoked_at": _iso(client.revoked_at),
                "previous_key_valid_until": _iso(overlap_ends(client)),
            }
            click.echo(json.dumps(record))
        return
    header = ("NAME", "SCOPES", "STATE", "CREATED (UTC)", "LAST SEEN (UTC)", "OLD KEY UNTIL")
    lines = [header]
    for client in rows:
        lines.append(
            (
                client.name,
                ",".join(sorted(client.scopes)),
                "active" if client.is_active else "revoked",
                _when(client.created_at),
                _when(client.last_seen_at),
                _when(overlap_ends(client)),
            )
        )
    echo_table(lines)


@hub_clients.command("rotate")
@click.argument("name")
@click.option(
    "--overlap",
    type=Duration(),
    default="24h",
    show_default=True,
    help="How long the old key keeps working (24h, 90m, 0 to end it now).",
)
def rotate_hub_client(name: str, overlap: timedelta) -> None:
    """Give the client a new key, printed once (the last word of the output); the old key
    keeps working for the overlap."""
    hasher = keyed_hasher(get_settings())
    key, ends = _in_transaction(
        lambda session: audited_hub.rotate_key(session, hasher, name, overlap, by=None, via="cli")
    )
    old = "stops working now" if overlap <= timedelta(0) else f"works until {_when(ends)} UTC"
    click.echo(f"Hub client {name!r} has a new key; the old one {old}.")
    click.echo(f"New API key (shown once): {key}")


@hub_clients.command("revoke")
@click.argument("name")
def revoke_hub_client(name: str) -> None:
    """Refuse every key of the client at once."""
    _in_transaction(lambda session: audited_hub.revoke(session, name, by=None, via="cli"))
    click.echo(f"Hub client {name!r} revoked; its keys are refused from now on.")


@hub_clients.command("scopes")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(SCOPES),
    multiple=True,
    required=True,
    help="What the client may read from now on; repeat for several (replaces its scopes).",
)
def set_hub_client_scopes(name: str, scopes: tuple[str, ...]) -> None:
    """Replace what the client may read; its next request is judged by the new scopes."""
    chosen = [HubScope(scope) for scope in scopes]
    client = _in_transaction(
        lambda session: audited_hub.set_scopes(session, name, chosen, by=None, via="cli")
    )
    click.echo(f"Hub client {name!r} now has scopes {', '.join(client.scopes)}.")
