"""Redaction: moderators hide spans of a report's texts (a bystander's name, the
reporter's own phone number); leads read the originals and un-redact.

A redaction is a span of one stored text by character offsets, with the SHA-256 of the
whole text it was made on (`models.redaction`). Everything that shows a report's texts
to staff goes through `shown`: each span is replaced by `[redacted: <reason>]`. If the
text has changed since (its hash differs: a translation re-run), the offsets may point
at other characters now, so the whole text is hidden (`[redacted: re-check needed]`)
until a lead un-redacts the stale redaction and redacts anew: conservative, never a
silent drift. The reporter's own view (`intake.followup`) is untouched: it is their text.

Text search reads the report's texts without their redacted spans (`index_for_search`,
kept in step as redactions are made and removed), so searching a redacted name does not
find the report. Nothing of what is hidden reaches the audit trail: a redaction and an
un-redaction are audited with the target, offsets, length and reason (the note by its
length only).
Approval refuses a summary that repeats a redacted string (`refuse_redacted_summary`),
so redacted words never reach the hub, its feed, exports or webhooks.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from core.clock import utcnow
from core.errors import Forbidden, InvalidInput, NotFound
from core.spans import fingerprint, fits, outside
from lifecycle.states import LEADS, Action, Actor
from models.message import ReportMessage
from models.moderator import Moderator
from models.redaction import MESSAGE_TARGETS, Redaction, RedactionReason, RedactionTarget
from models.report import Report, ReportStatus
from moderation import audit
from moderation.audit import AuditAction
from moderation.errors import ReportNotFound
from moderation.redaction_schemas import (
    RedactionIn,
    RedactionOut,
    RedactionSuggestion,
    RedactionSuggestions,
)
from moderation.taking import take
from translation.masking import protected_spans

RECHECK = "[redacted: re-check needed]"
#: The masking detectors (translation.masking) worth suggesting, and the reason proposed.
SUGGESTED_KINDS = {
    "phone": RedactionReason.CONTACT_DETAILS,
    "email": RedactionReason.CONTACT_DETAILS,
    "url": RedactionReason.CONTACT_DETAILS,
    "plate": RedactionReason.OTHER,
    "quoted": RedactionReason.BYSTANDER,
}
_QUOTES = '"“”«»„‘’'


class RedactionNotFound(NotFound):
    slug = "redaction-not-found"
    title = "The report has no such redaction in force"


class RedactionOutOfRange(InvalidInput):
    """The offsets do not fit the stored text (or there is no such text, e.g. no
    translation yet, or a message of another report)."""

    slug = "redaction-out-of-range"
    title = "The span is not inside that text of the report"


class OriginalsForLeads(Forbidden):
    slug = "originals-for-leads"
    title = "Only leads and admins read the original of redacted text"


class SummaryContainsRedactedText(InvalidInput):
    """The incident's summary repeats words a moderator redacted from the report."""

    slug = "summary-contains-redacted-text"
    title = "The summary repeats text that was redacted from the report"


def placeholder(reason: RedactionReason) -> str:
    return f"[redacted: {reason.value}]"


def reads_originals(moderator: Moderator) -> bool:
    """Leads and admins may read the original of redacted text (and un-redact)."""
    return Actor(moderator.role) in LEADS


Key = tuple[RedactionTarget, uuid.UUID | None]


def key_of(redaction: Redaction) -> Key:
    return redaction.target, redaction.message_id


def stale(redaction: Redaction, text: str | None) -> bool:
    """The text changed (or went) since the redaction was made on it."""
    return not fits(text, redaction.end_offset, redaction.text_sha256)


@dataclass(frozen=True)
class Shown:
    """A text as staff see it, and where each redaction's replacement sits in it."""

    text: str | None
    rechecking: bool


def shown(text: str | None, redactions: Sequence[Redaction]) -> Shown:
    """`text` with the redactions of it applied: each span (overlapping ones merged, the
    earliest's reason named) replaced by `[redacted: <reason>]`; the whole text hidden
    when any of them no longer fits it (see `segments`)."""
    if text is None or not redactions:
        return Shown(text, False)
    rechecking = any(stale(redaction, text) for redaction in redactions)
    return Shown("".join(piece.text for piece in segments(text, redactions, False)), rechecking)


async def active(session: AsyncSession, report_ids: Iterable[uuid.UUID]) -> list[Redaction]:
    """The redactions in force (not un-redacted) of these reports, oldest first."""
    ids = set(report_ids)
    if not ids:
        return []
    result = await session.scalars(
        select(Redaction)
        .where(col(Redaction.report_id).in_(ids), col(Redaction.removed_at).is_(None))
        .order_by(col(Redaction.created_at), col(Redaction.id))
    )
    return list(result)


def by_key(redactions: Iterable[Redaction]) -> dict[Key, list[Redaction]]:
    grouped: dict[Key, list[Redaction]] = defaultdict(list)
    for redaction in redactions:
        grouped[key_of(redaction)].append(redaction)
    return grouped


def stored_text(
    report: Report,
    messages: Sequence[ReportMessage],
    target: RedactionTarget,
    message_id: uuid.UUID | None,
) -> str | None:
    """The stored text a redaction's offsets point into (None: there is none)."""
    if target == RedactionTarget.TEXT:
        return report.text
    if target == RedactionTarget.TRANSLATION:
        return report.translated_text
    message = next((m for m in messages if m.id == message_id), None)
    if message is None:
        return None
    return message.text if target == RedactionTarget.MESSAGE else message.translated_text


# --- what leaves moderation: excerpts -------------------------------------------------


def excerpt(report: Report, redactions: Sequence[Redaction], chars: int) -> str:
    """The beginning of what a list shows of a report (its translation, or its text where
    there is none), redacted."""
    if report.translated_text:
        target, text = RedactionTarget.TRANSLATION, report.translated_text
    else:
        target, text = RedactionTarget.TEXT, report.text
    mine = [r for r in redactions if r.report_id == report.id and key_of(r) == (target, None)]
    return (shown(text, mine).text or "")[:chars]


async def excerpts(
    session: AsyncSession, reports: Sequence[Report], chars: int
) -> dict[uuid.UUID, str]:
    """`excerpt` of each report, the redactions read at once."""
    redactions = await active(session, (report.id for report in reports))
    return {report.id: excerpt(report, redactions, chars) for report in reports}


async def redacted_reports(session: AsyncSession, report_ids: Iterable[uuid.UUID]) -> list[Report]:
    """Those of these reports that have redactions in force (for lists that read only an
    excerpt in SQL and must redact it)."""
    ids = set(report_ids)
    if not ids:
        return []
    with_any = select(col(Redaction.report_id)).where(
        col(Redaction.report_id).in_(ids), col(Redaction.removed_at).is_(None)
    )
    return list(await session.scalars(select(Report).where(col(Report.id).in_(with_any))))


# --- what text search reads ------------------------------------------------------------


def searchable(text: str | None, redactions: Sequence[Redaction]) -> str | None:
    """What search may read of a text with these redactions of it in force: the words
    outside the redacted spans, nothing if the text changed under them (moderators see it
    hidden whole); None without redactions (search reads the text itself)."""
    if text is None or not redactions:
        return None
    return outside(text, [(r.start_offset, r.end_offset, r.text_sha256) for r in redactions])


async def index_for_search(session: AsyncSession, report: Report) -> None:
    """Keep what text search reads of the report (`Report.search_text`,
    `search_translation`) in step with its redactions, so a redacted name no longer finds
    the report, for anyone (leads search what moderators see too)."""
    grouped = by_key(await active(session, [report.id]))
    report.search_text = searchable(report.text, grouped.get((RedactionTarget.TEXT, None), []))
    report.search_translation = searchable(
        report.translated_text, grouped.get((RedactionTarget.TRANSLATION, None), [])
    )
    await session.flush()


# --- creating and removing --------------------------------------------------------------


async def _count(session: AsyncSession, report_id: uuid.UUID) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(Redaction)
        .where(col(Redaction.report_id) == report_id, col(Redaction.removed_at).is_(None))
    )
    return int(found or 0)


async def _messages(session: AsyncSession, report_id: uuid.UUID) -> list[ReportMessage]:
    result = await session.scalars(
        select(ReportMessage).where(col(ReportMessage.report_id) == report_id)
    )
    return list(result)


def _audited(redaction: Redaction) -> dict[str, str | int]:
    """What the trail keeps of a redaction: where, how long and why; never the text."""
    detail: dict[str, str | int] = {
        "redaction_id": str(redaction.id),
        "target": redaction.target.value,
        "start": redaction.start_offset,
        "end": redaction.end_offset,
        "length": redaction.end_offset - redaction.start_offset,
        "reason": redaction.reason.value,
    }
    if redaction.message_id is not None:
        detail["message_id"] = str(redaction.message_id)
    if redaction.note:
        detail["note_chars"] = len(redaction.note)
    return detail


async def redact(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID, span: RedactionIn
) -> RedactionOut:
    """Hide a span of one of the report's stored texts (the action table's `redact`)."""
    report, _ = await take(session, moderator, report_id, Action.REDACT)
    messages = await _messages(session, report.id) if span.target in MESSAGE_TARGETS else []
    text = stored_text(report, messages, span.target, span.message_id)
    if text is None or span.end > len(text):
        raise RedactionOutOfRange()
    before = await audit.report_state(session, report) | {
        "redactions": await _count(session, report.id)
    }
    redaction = Redaction(
        report_id=report.id,
        target=span.target,
        message_id=span.message_id,
        start_offset=span.start,
        end_offset=span.end,
        text_sha256=fingerprint(text),
        reason=span.reason,
        note=span.note,
        created_by=moderator.id,
        created_at=utcnow(),
    )
    session.add(redaction)
    await session.flush()
    await index_for_search(session, report)
    await audit.record_change(
        session,
        moderator,
        AuditAction.REDACTED,
        report,
        before,
        {"redactions": await _count(session, report.id)},
        **_audited(redaction),
    )
    return out(redaction, moderator.username, needs_recheck=False)


async def unredact(
    session: AsyncSession, lead: Moderator, report_id: uuid.UUID, redaction_id: uuid.UUID
) -> None:
    """Show a span again (the action table's `unredact`: leads and admins)."""
    report, _ = await take(session, lead, report_id, Action.UNREDACT)
    redaction = await session.get(Redaction, redaction_id)
    if redaction is None or redaction.report_id != report.id or redaction.removed_at is not None:
        raise RedactionNotFound()
    before = await audit.report_state(session, report) | {
        "redactions": await _count(session, report.id)
    }
    redaction.removed_by = lead.id
    redaction.removed_at = utcnow()
    await session.flush()
    await index_for_search(session, report)
    await audit.record_change(
        session,
        lead,
        AuditAction.UNREDACTED,
        report,
        before,
        {"redactions": await _count(session, report.id)},
        **_audited(redaction),
    )


# --- what a reader of the report sees -----------------------------------------------------


def out(redaction: Redaction, created_by: str | None, needs_recheck: bool) -> RedactionOut:
    return RedactionOut(
        id=redaction.id,
        target=redaction.target,
        message_id=redaction.message_id,
        start=redaction.start_offset,
        end=redaction.end_offset,
        length=redaction.end_offset - redaction.start_offset,
        reason=redaction.reason,
        note=redaction.note,
        created_by=created_by,
        created_at=redaction.created_at,
        needs_recheck=needs_recheck,
    )


def describe(
    redactions: Sequence[Redaction],
    texts: dict[Key, str | None],
    usernames: dict[uuid.UUID, str],
) -> list[RedactionOut]:
    """The redactions of a report for its readers, by text and position."""
    ordered = sorted(redactions, key=lambda r: (r.target, str(r.message_id), r.start_offset))
    return [
        out(
            r,
            usernames.get(r.created_by) if r.created_by else None,
            stale(r, texts.get(key_of(r))),
        )
        for r in ordered
    ]


def texts_of(report: Report, messages: Sequence[ReportMessage]) -> dict[Key, str | None]:
    """Every stored text of a report that may be redacted, by target."""
    texts: dict[Key, str | None] = {
        (RedactionTarget.TEXT, None): report.text,
        (RedactionTarget.TRANSLATION, None): report.translated_text,
    }
    for message in messages:
        texts[(RedactionTarget.MESSAGE, message.id)] = message.text
        texts[(RedactionTarget.MESSAGE_TRANSLATION, message.id)] = message.translated_text
    return texts


def refuse_originals(moderator: Moderator) -> None:
    if not reads_originals(moderator):
        raise OriginalsForLeads()


@dataclass(frozen=True)
class Reading:
    """A report's texts as one reader sees them: redacted, or (a lead asking) original."""

    redactions: Sequence[Redaction]
    original: bool

    def text(
        self, target: RedactionTarget, text: str | None, message_id: uuid.UUID | None = None
    ) -> str | None:
        if self.original:
            return text
        mine = [r for r in self.redactions if key_of(r) == (target, message_id)]
        return shown(text, mine).text


# --- suggestions ----------------------------------------------------------------------------


def _covered(start: int, end: int, redactions: Sequence[Redaction]) -> bool:
    return any(r.start_offset <= start and end <= r.end_offset for r in redactions)


def _detected(text: str) -> Iterable[tuple[str, int, int]]:
    """The masking detectors' finds worth redacting; a quoted name without its quotes."""
    for found in protected_spans(text):
        if found.kind not in SUGGESTED_KINDS:
            continue
        start, end = found.start, found.end
        if found.kind == "quoted":
            while start < end and text[start] in _QUOTES:
                start += 1
            while end > start and text[end - 1] in _QUOTES:
                end -= 1
        if end > start:
            yield found.kind, start, end


def _redacted_strings(
    redactions: Sequence[Redaction], texts: dict[Key, str | None]
) -> list[tuple[str, RedactionReason]]:
    """The redacted strings still readable at their offsets (not stale)."""
    found: list[tuple[str, RedactionReason]] = []
    for r in redactions:
        text = texts.get(key_of(r))
        if text is not None and not stale(r, text):
            words = text[r.start_offset : r.end_offset].strip()
            if words:
                found.append((words, r.reason))
    return found


def _occurrences(words: str, text: str) -> Iterable[tuple[int, int]]:
    """Where `words` appears in `text` as whole words, in any case."""
    pattern = re.compile(r"(?<!\w)" + re.escape(words) + r"(?!\w)", re.IGNORECASE)
    for match in pattern.finditer(text):
        yield match.start(), match.end()


def suggestions(
    redactions: Sequence[Redaction], texts: dict[Key, str | None], *, include_stale: bool
) -> list[RedactionSuggestion]:
    """Spans likely to identify someone and not yet redacted: what translation masking
    protects (phone numbers, e-mail addresses, links, plates, names in quotes), and every
    other copy of a string already redacted (a name the translation kept as it was). For
    moderators (`include_stale` false: they cannot see them), a text whose redactions need
    a re-check, and a span that overlaps a redacted one, are left out."""
    grouped = by_key(redactions)
    elsewhere = _redacted_strings(redactions, texts)
    items: list[RedactionSuggestion] = []
    for (target, message_id), text in texts.items():
        if not text:
            continue
        mine = grouped.get((target, message_id), [])
        if not include_stale and any(stale(r, text) for r in mine):
            continue
        spans: dict[tuple[int, int], tuple[str, RedactionReason]] = {}
        for words, reason in elsewhere:
            for start, end in _occurrences(words, text):
                spans.setdefault((start, end), ("redacted_elsewhere", reason))
        for kind, start, end in _detected(text):
            spans.setdefault((start, end), (kind, SUGGESTED_KINDS[kind]))
        for (start, end), (kind, reason) in sorted(spans.items()):
            if _covered(start, end, mine):
                continue
            if not include_stale and any(
                r.start_offset < end and start < r.end_offset for r in mine
            ):
                continue  # its text would show part of a redacted span to a moderator
            items.append(
                RedactionSuggestion(
                    target=target,
                    message_id=message_id,
                    start=start,
                    end=end,
                    kind=kind,
                    text=text[start:end],
                    reason=reason,
                )
            )
    return items


async def suggest(
    session: AsyncSession, moderator: Moderator, report_id: uuid.UUID
) -> RedactionSuggestions:
    """The suggestions for one report (`suggestions`)."""
    report = await session.get(Report, report_id)
    if report is None or report.status == ReportStatus.RECEIVED:
        raise ReportNotFound()
    texts = texts_of(report, await _messages(session, report.id))
    found = suggestions(
        await active(session, [report.id]), texts, include_stale=reads_originals(moderator)
    )
    return RedactionSuggestions(report_id=report.id, items=found)


# --- approval ---------------------------------------------------------------------------------


async def refuse_redacted_summary(session: AsyncSession, report: Report, summary: str) -> None:
    """Refuse (422) a summary that repeats, as whole words in any case, a string redacted
    from the report: what was hidden must not reach the hub. (A stale redaction's string
    is unknown now; its text is hidden from moderators whole until a lead re-checks it.)"""
    redactions = await active(session, [report.id])
    if not redactions:
        return
    texts = texts_of(report, await _messages(session, report.id))
    for words, reason in _redacted_strings(redactions, texts):
        if next(iter(_occurrences(words, summary)), None) is not None:
            raise SummaryContainsRedactedText(
                f"The summary repeats text redacted from the report ({reason.value}); "
                "take it out of the summary before approving."
            )


# --- the console: texts as segments ---------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of a text as the console shows it: plain text at `start` in the stored text
    (a selection inside it maps back to stored offsets), a replacement (`hidden`), or in a
    lead's original view a redacted span highlighted (`reason` set, `hidden` false)."""

    text: str
    start: int
    hidden: bool = False
    reason: RedactionReason | None = None


def segments(text: str, redactions: Sequence[Redaction], original: bool) -> list[Segment]:
    """`text` cut at its redactions (overlapping ones merged, as `shown` merges them)."""
    if not original and any(stale(r, text) for r in redactions):
        return [Segment(RECHECK, 0, hidden=True)]
    fitting = [r for r in redactions if not stale(r, text)]
    pieces: list[Segment] = []
    cursor = 0
    for r in sorted(fitting, key=lambda r: (r.start_offset, r.end_offset)):
        if r.end_offset <= cursor:
            continue
        start = max(cursor, r.start_offset)
        if start > cursor:
            pieces.append(Segment(text[cursor:start], cursor))
        if original:
            pieces.append(Segment(text[start : r.end_offset], start, reason=r.reason))
        elif start == r.start_offset:
            pieces.append(Segment(placeholder(r.reason), start, hidden=True))
        cursor = r.end_offset
    if cursor < len(text):
        pieces.append(Segment(text[cursor:], cursor))
    return pieces


def segment_key(target: RedactionTarget, message_id: uuid.UUID | None = None) -> str:
    """How the console names one of a report's texts (`text`, `message:<id>`, …)."""
    return target.value if message_id is None else f"{target.value}:{message_id}"


async def page_segments(
    session: AsyncSession, report_id: uuid.UUID, original: bool
) -> dict[str, list[Segment]]:
    """Every text of the report as segments, by `segment_key`. Call after `read_report`,
    which refuses the original to anyone but leads and admins."""
    report = await session.get(Report, report_id)
    if report is None:
        raise ReportNotFound()
    texts = texts_of(report, await _messages(session, report.id))
    grouped = by_key(await active(session, [report.id]))
    return {
        segment_key(target, message_id): segments(
            text, grouped.get((target, message_id), []), original
        )
        for (target, message_id), text in texts.items()
        if text
    }
