"""How many urgent reports await a decision, for `console.js` on every open page: the
navigation bar's count stays current and a new urgent report is announced, whichever
page the moderator is on (the queue itself reloads only every minute, and only when the
moderator is not busy with it). A count, nothing of any report."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from core.deps import SessionDep
from moderation import queue

router = APIRouter()


@router.get("/urgent.json", name="urgent_count")
async def urgent_count(session: SessionDep) -> JSONResponse:
    return JSONResponse({"urgent_open": await queue.urgent_open(session)})
