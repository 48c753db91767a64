"""The pipeline worker, run for real against the database: claim, analyse, queue, retry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.clock import utcnow
from models.report import Report, ReportStatus
from tests.factories import new_report
from worker.runner import PipelineWorker


async def statuses(sessionmaker) -> list[ReportStatus]:
    async with sessionmaker() as session:
        return list((await session.execute(select(Report.status))).scalars())


async def wait_until_queued(sessionmaker, count: int, timeout: float = 20) -> None:
    async def poll() -> None:
        while (await statuses(sessionmaker)).count(ReportStatus.QUEUED) < count:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"], indirect=True)
async def test_running_worker_loop_detects_language_and_queues_reports(app, client, sessionmaker):
    stop = asyncio.Event()
    task = asyncio.create_task(PipelineWorker(sessionmaker, app.state.settings).run(stop))
    try:
        texts = [
            "Hay cinco mujeres encerradas en el taller, no las dejan salir.",
            "They took our passports and we work every day without pay.",
        ]
        for text in texts:
            assert (
                await client.post("/v1/reports", json=new_report(text=text, locale=None))
            ).status_code == 201
        await wait_until_queued(sessionmaker, 2)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    async with sessionmaker() as session:
        rows = (await session.execute(select(Report).order_by(Report.language))).scalars().all()
    assert [row.language for row in rows] == ["en", "es"]
    assert all(row.lease_owner is None and row.queued_at is not None for row in rows)
    assert all(row.language_confidence > 0.5 for row in rows)


async def test_two_workers_never_process_the_same_report(app, client, sessionmaker):
    for index in range(24):
        await client.post(
            "/v1/reports", json=new_report(text=f"Report number {index} about forced work.")
        )
    settings = app.state.settings.model_copy(update={"worker_batch_size": 3})
    first, second = PipelineWorker(sessionmaker, settings), PipelineWorker(sessionmaker, settings)

    async def drain(worker: PipelineWorker) -> int:
        total = 0
        while handled := await worker.run_once():
            total += handled
        return total

    done = await asyncio.gather(drain(first), drain(second))
    assert sum(done) == 24
    async with sessionmaker() as session:
        rows = (await session.execute(select(Report))).scalars().all()
    assert all(row.status == ReportStatus.QUEUED and row.attempts == 1 for row in rows)


async def test_a_report_left_by_a_dead_worker_is_retried_after_its_lease(app, client, sessionmaker):
    await client.post("/v1/reports", json=new_report())
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Report).values(
                lease_owner="worker-dead", lease_expires_at=utcnow() + timedelta(minutes=5)
            )
        )
    worker = PipelineWorker(sessionmaker, app.state.settings)
    assert await worker.run_once() == 0  # still leased to the dead worker
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Report).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await worker.run_once() == 1
    assert await statuses(sessionmaker) == [ReportStatus.QUEUED]


async def test_a_worker_takes_back_its_own_batch_after_an_iteration_that_failed(
    app, client, sessionmaker
):
    """The database restarted between the claim and the queueing: the same worker, never
    restarted, finishes those reports at its next round instead of after the lease."""
    await client.post("/v1/reports", json=new_report())
    worker = PipelineWorker(sessionmaker, app.state.settings)
    assert len(await worker.claim_batch()) == 1  # ...and then the iteration failed
    other = PipelineWorker(sessionmaker, app.state.settings)
    assert await other.claim_batch() == []  # still leased: no one else takes it

    assert await worker.run_once() == 1
    assert await statuses(sessionmaker) == [ReportStatus.QUEUED]


class FailingTranslator:
    """Fault injection: a translation engine that crashes on every call."""

    def translate(self, text: str, source: str, target: str):
        raise RuntimeError("engine crashed")

    def available_languages(self) -> list[tuple[str, str]]:
        return []

    def sources_into(self, target: str) -> list[str]:
        return []


async def test_a_failing_analysis_is_retried_then_queued_untranslated(app, client, sessionmaker):
    await client.post("/v1/reports", json=new_report())
    settings = app.state.settings.model_copy(update={"worker_max_attempts": 2})
    worker = PipelineWorker(sessionmaker, settings, translator=FailingTranslator())
    assert await worker.run_once() == 1
    async with sessionmaker() as session:
        row = (await session.execute(select(Report))).scalar_one()
    assert row.status == ReportStatus.RECEIVED and row.last_error == "RuntimeError"
    assert row.lease_expires_at > utcnow()  # backs off before the next try
    async with sessionmaker() as session, session.begin():
        await session.execute(
            update(Report).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert await worker.run_once() == 1
    async with sessionmaker() as session:
        row = (await session.execute(select(Report))).scalar_one()
    assert row.status == ReportStatus.QUEUED and row.translation_status == "failed"
