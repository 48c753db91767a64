"""What a moderator's password must be: long enough, not guessable, not the username.

Guessability is zxcvbn's estimate (dictionaries of common passwords, names and words,
keyboard patterns, repeats, dates, l33t): a score of at least 3 ("safely unguessable:
moderate protection from offline slow-hash scenario", about 10^8 guesses or more). zxcvbn
looks at the first 72 characters; a longer password is judged by those. The rules apply
wherever a password is chosen: `stop-intake moderators add` and `reset-password`, and the
console's password change. Generated passwords (24 random characters) always pass.
"""

from __future__ import annotations

import threading
import unicodedata

from zxcvbn import zxcvbn

from moderation.errors import WeakPassword

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3
_SCORED_LENGTH = 72  # zxcvbn refuses longer input
# zxcvbn keeps the user inputs of the call in a module-level dictionary: one call at a time.
_zxcvbn_lock = threading.Lock()

ADVICE = "A few uncommon words together, or a password manager's random one, work well."


def check_password(password: str, username: str) -> None:
    """Raise `WeakPassword` with a message a person can act on, unless `password` is fine."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"Use at least {MIN_LENGTH} characters. {ADVICE}")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"Use at most {MAX_LENGTH} characters.")
    folded = unicodedata.normalize("NFKC", password).casefold()
    name = unicodedata.normalize("NFKC", username).casefold().strip()
    # A name of one or two letters is in too many good passwords; zxcvbn still sees it.
    if len(name) >= 3 and name in folded:
        raise WeakPassword(f"The password must not contain the username. {ADVICE}")
    with _zxcvbn_lock:
        verdict = zxcvbn(password[:_SCORED_LENGTH], user_inputs=[name, "stop", "moderator"])
    if verdict["score"] < MIN_SCORE:
        warning = verdict["feedback"].get("warning") or ""
        reason = f" ({warning.rstrip('.')})" if warning else ""
        raise WeakPassword(f"This password is too easy to guess{reason}. {ADVICE}")
