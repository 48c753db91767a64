"""`stop-intake hub-clients webhooks …`: a hub client's webhook (set, clear, rotate its
signing secret, status) and replays of what it was sent or failed to receive.

The signing secret is printed once, when it is made (the last word of the output); it is
kept sealed and never printed again. URLs are the operator's configuration: `status`
shows them, nothing logs them. Set, clear and rotate-secret are audited (`via: cli`) with
the webhook's origin and never the secret (`moderation.hub_clients`).
"""

from __future__ import annotations

import click
from sqlalchemy.ext.asyncio import AsyncSession

from cli.common import echo_table, in_transaction
from core.hashing import keyed_hasher
from core.settings import get_settings
from hub import outbox
from hub import webhooks as hooks
from hub.clients import list_hub_clients
from models.webhook import DeliveryStatus
from moderation import hub_clients as audited_hub


@click.group("webhooks")
def webhooks() -> None:
    """Push incident versions to a hub client (Standard Webhooks)."""


@webhooks.command("set")
@click.argument("name")
@click.argument("url")
def set_webhook(name: str, url: str) -> None:
    """Send the client's incident versions to URL from now on. A first webhook gets a
    signing secret, printed once (the last word of the output); a new URL keeps it."""
    hasher = keyed_hasher(get_settings())
    secret = in_transaction(
        lambda session: audited_hub.set_webhook(session, hasher, name, url, by=None, via="cli")
    )
    click.echo(f"Hub client {name!r} now receives webhooks.")
    if secret is not None:
        click.echo(f"Signing secret (shown once): {secret}")


@webhooks.command("clear")
@click.argument("name")
def clear_webhook(name: str) -> None:
    """Stop pushing to the client; what was not yet sent is dropped (the feed has it all)."""
    in_transaction(lambda session: audited_hub.clear_webhook(session, name, by=None, via="cli"))
    click.echo(f"Hub client {name!r} no longer receives webhooks.")


@webhooks.command("rotate-secret")
@click.argument("name")
def rotate_secret(name: str) -> None:
    """A new signing secret, printed once (the last word of the output); every attempt
    from now on is signed with it."""
    hasher = keyed_hasher(get_settings())
    secret = in_transaction(
        lambda session: audited_hub.rotate_webhook_secret(session, hasher, name, by=None, via="cli")
    )
    click.echo(f"Hub client {name!r} has a new webhook signing secret.")
    click.echo(f"Signing secret (shown once): {secret}")


@webhooks.command("replay")
@click.argument("name")
@click.option(
    "--since",
    type=click.IntRange(min=0),
    default=None,
    help="Send again every version after this feed sequence (0: everything).",
)
@click.option("--dead", is_flag=True, help="Send the dead-lettered deliveries again.")
def replay(name: str, since: int | None, dead: bool) -> None:
    """Send deliveries again, in order within each incident, with their first webhook-id
    (a receiver that already has one ignores it). Give --since SEQUENCE or --dead."""
    if (since is None) == (not dead):
        raise click.UsageError("give exactly one of --since SEQUENCE and --dead")

    async def work(session: AsyncSession) -> int:
        client = await hooks.webhook_client(session, name)
        if dead:
            return await outbox.replay_dead(session, client)
        assert since is not None
        return await outbox.replay_since(session, client, since)

    count = in_transaction(work)
    click.echo(f"{count} deliveries to hub client {name!r} queued again.")


@webhooks.command("status")
def status() -> None:
    """Each client with a webhook: its URL and its deliveries pending, delivered and dead."""

    async def work(session: AsyncSession) -> list[tuple[str, str, dict[DeliveryStatus, int]]]:
        counts = await outbox.counts_by_client(session)
        return [
            (client.name, client.webhook_url, counts.get(client.id, {}))
            for client in await list_hub_clients(session)
            if client.webhook_url is not None
        ]

    rows = in_transaction(work)
    header = ("NAME", "PENDING", "DELIVERED", "DEAD", "URL")
    lines = [header]
    for name, url, counted in rows:
        lines.append(
            (
                name,
                str(counted.get(DeliveryStatus.PENDING, 0)),
                str(counted.get(DeliveryStatus.DELIVERED, 0)),
                str(counted.get(DeliveryStatus.DEAD, 0)),
                url,
            )
        )
    echo_table(lines)
