"""The inference service on the fake backend: one worker, loading, reload, limits, the job log."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.engine import Database
from bot.db.ml import MlJob
from bot.ml import jobs
from bot.ml.images import ImageInputError
from bot.ml.limits import LimitError
from bot.ml.requests import JobError, SampleRequest
from bot.ml.service import InferenceService, MlConfig
from tests.ml.fakes import FakeBackend, Gate, write_fake_model

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    write_fake_model(tmp_path, "gan")
    write_fake_model(tmp_path, "cnn")
    return tmp_path


def _service(
    models_dir: Path,
    backend: FakeBackend | None = None,
    db: Database | None = None,
    **config: float,
) -> InferenceService:
    settings = MlConfig(models_dir=models_dir, cooldown=0, **config)  # type: ignore[arg-type]
    return InferenceService(
        settings, backend=backend or FakeBackend(), db=db, clock=ManualClock(NOW)
    )


async def _rows(db: Database) -> list[MlJob]:
    async with db.session() as session:
        return list((await session.scalars(select(MlJob).order_by(MlJob.id))).all())


async def test_every_job_runs_in_the_one_worker_thread_one_at_a_time(models_dir: Path) -> None:
    service = _service(models_dir, guild_jobs=100)
    active, peak, threads = 0, 0, set()
    lock = threading.Lock()

    def work(model: object, index: int) -> int:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            threads.add(threading.current_thread().name)
        time.sleep(0.002)
        with lock:
            active -= 1
        return index

    async def one(member: int) -> int:
        async with service.job(1, member, "test", {}) as job:
            job.admit()
            return await job.run("gan", work, member)

    assert await asyncio.gather(*(one(m) for m in range(12))) == list(range(12))
    assert peak == 1 and len(threads) == 1 and threads.pop().startswith("aiclub-ml")
    await service.close()


async def test_concurrent_first_requests_share_one_load(models_dir: Path) -> None:
    backend = FakeBackend()
    service = _service(models_dir, backend)
    assert service.loaded_models() == [] and service.models is None
    sets = await asyncio.gather(*(service.ready() for _ in range(5)))
    assert all(s is sets[0] for s in sets) and backend.loads == 2
    assert service.loaded_models() == ["gan-digits-fake1", "cnn-digits-fake1"]
    await service.close()


async def test_missing_and_corrupt_models_are_not_installed_until_reloaded(
    models_dir: Path,
) -> None:
    (models_dir / "gan-digits.keras").unlink()
    service = _service(models_dir)
    request = SampleRequest(4, None, 1)
    async with service.job(1, 2, "gan sample", {}) as job:
        with pytest.raises(JobError) as missing:
            await job.run("gan", jobs.sample_grid, request)
    assert missing.value.code == "not_installed"
    assert missing.value.params == {"kind": "GAN", "command": "aiclub train gan"}
    assert service.loaded_models() == ["cnn-digits-fake1"]

    write_fake_model(models_dir, "gan", version="2")
    (models_dir / "cnn-digits.keras").write_bytes(b"\x00garbage")  # no longer what the card says
    models = await service.reload()
    assert (
        models.versions() == ["gan-digits-fake2"]
        and "does not match" in models.problems["cnn-digits"]
    )
    async with service.job(1, 2, "gan sample", {}) as job:
        sample = await job.run("gan", jobs.sample_grid, request)
        with pytest.raises(JobError) as stale:
            await job.run("gan", jobs.sample_grid, request, expect_version="gan-digits-fake1")
    assert sample.model_version == "gan-digits-fake2" and stale.value.code == "stale"
    await service.close()


async def test_a_model_the_backend_cannot_load_is_reported(models_dir: Path) -> None:
    model = models_dir / "cnn-digits.keras"
    model.write_bytes(b"PK\x03\x04 not a model")
    card = json.loads((models_dir / "cnn-digits.json").read_text())
    card["file_sha256"] = hashlib.sha256(model.read_bytes()).hexdigest()
    (models_dir / "cnn-digits.json").write_text(json.dumps(card))
    service = _service(models_dir)
    models = await service.ready()
    assert models.classifier is None and "not a model file" in models.problems["cnn-digits"]
    await service.close()


async def test_a_slow_job_times_out_and_the_worker_carries_on(models_dir: Path) -> None:
    gate = Gate()
    service = _service(models_dir, FakeBackend(gate), job_timeout=0.05)
    await service.ready()
    request = SampleRequest(4, None, 1)
    async with service.job(1, 2, "gan sample", {}) as job:
        job.admit()
        with pytest.raises(JobError) as caught:
            await job.run("gan", jobs.sample_grid, request)
    assert caught.value.code == "timeout" and caught.value.params == {"seconds": "0.05"}
    assert service.limiter.queued == 0  # the member may try again
    gate.open()
    async with service.job(1, 2, "gan sample", {}) as job:
        assert (await job.run("gan", jobs.sample_grid, request)).png
    await service.close()


async def test_every_job_is_recorded_with_how_it_ended(models_dir: Path, db: Database) -> None:
    service = _service(models_dir, db=db, member_jobs=1)
    request = SampleRequest(4, 3, 99)
    async with service.job(7, 8, "gan sample", request.parameters(), seed=99) as job:
        job.admit()
        await job.run("gan", jobs.sample_grid, request)
        with pytest.raises(LimitError):
            async with service.job(7, 8, "gan sample", {"count": 4}) as second:
                second.admit()
    with pytest.raises(ImageInputError):
        async with service.job(7, 9, "cnn predict", {"image": "x.png"}) as job:
            job.admit()
            await job.run("cnn", jobs.classify_upload, b"not an image")
    rows = await _rows(db)
    assert [(r.command, r.status, r.error) for r in rows] == [
        ("gan sample", "limited", "member_busy"),
        ("gan sample", "ok", None),
        ("cnn predict", "bad_input", "not_image"),
    ]
    ok = rows[1]
    assert (ok.guild_id, ok.member_id, ok.seed, ok.model_version) == (7, 8, 99, "gan-digits-fake1")
    assert json.loads(ok.parameters) == {"count": 4, "digit": 3, "seed": 99}
    assert ok.latency_ms is not None and ok.compute_ms is not None
    assert ok.latency_ms >= ok.compute_ms >= 0 and ok.created_at == NOW
    assert rows[2].model_version == "cnn-digits-fake1" and service.limiter.queued == 0
    await service.close()


async def test_a_failing_job_log_does_not_break_the_job(
    models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = Database("sqlite+aiosqlite:////nonexistent-dir/aiclub.db")
    service = _service(models_dir, db=broken)
    async with service.job(1, 2, "gan sample", {}) as job:
        await job.run("gan", jobs.sample_grid, SampleRequest(1, 1, 1))
    assert "could not record ML job" in caplog.text
    await service.close()
    await broken.close()
