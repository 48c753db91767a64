"""The `stop-intake` command: serve, worker, migrate, accounts and the operators' tools."""

from __future__ import annotations

import typer

from cli import accounts, sanitize, service, translation

app = typer.Typer(
    help="STOP intake: anonymous reports, moderation and the hub feed.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("serve")(service.serve)
app.command("worker")(service.worker)
app.command("migrate")(service.migrate)
app.add_typer(accounts.moderators_app, name="moderators")
app.add_typer(accounts.hub_clients_app, name="hub-clients")
app.command("sanitize")(sanitize.sanitize)
app.command("detect-language")(translation.detect_language)
app.add_typer(translation.translation_app, name="translation")


def run() -> None:
    app()
