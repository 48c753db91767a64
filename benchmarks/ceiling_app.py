"""The least work a correct intake does, as a ceiling for benchmarks/load.py: FastAPI parses
the same JSON into a pydantic model, and one asyncpg `INSERT … ON CONFLICT DO NOTHING`
makes it durable (the client's id as the key, so a retry is no second row).

Run by the benchmark (which creates `TABLE` first): `uvicorn benchmarks.ceiling_app:app
--workers N` with CEILING_DSN=postgresql://… in the environment.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

TABLE = """CREATE TABLE IF NOT EXISTS ceiling_reports (
    client_id uuid PRIMARY KEY, text text NOT NULL, locale text, received_at timestamptz
)"""


class Report(BaseModel):
    client_id: uuid.UUID
    text: str = Field(min_length=1, max_length=20_000)
    locale: str | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["CEILING_DSN"], min_size=2, max_size=10)
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/v1/reports", status_code=201)
async def submit(report: Report, request: Request) -> dict[str, str]:
    await request.app.state.pool.execute(
        "INSERT INTO ceiling_reports VALUES ($1, $2, $3, date_trunc('minute', now())) "
        "ON CONFLICT DO NOTHING",
        report.client_id,
        report.text,
        report.locale,
    )
    return {"report_id": str(report.client_id), "status": "received"}
