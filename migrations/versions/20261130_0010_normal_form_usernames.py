"""Usernames in their normal form (NFKC, trimmed, lower case), as logins now look them up.

Accounts made before names were normalised could hold `Alice`; a login types any case and
is looked up as `alice`, so such an account could no longer log in. Each name is rewritten
to its normal form unless another account already holds that form (then it is left as it
is, and the operator renames one of the two).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 04:00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_moderators = sa.table("moderators", sa.column("id", sa.Uuid), sa.column("username", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_moderators.c.id, _moderators.c.username)).all()
    taken = {row.username for row in rows}
    for row in rows:
        # The same rule as moderation.usernames.normalise_username (migrations stay frozen).
        normal = unicodedata.normalize("NFKC", row.username).strip().lower()
        if normal != row.username and normal not in taken:
            bind.execute(
                _moderators.update().where(_moderators.c.id == row.id).values(username=normal)
            )
            taken.discard(row.username)
            taken.add(normal)


def downgrade() -> None:
    pass  # the original case is not kept; normal-form names work as before
