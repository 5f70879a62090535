"""The inference service: one worker thread, fair-use limits, timeouts and the job log.

Event-loop side only: models are loaded and called in the single worker thread (one job at a
time, in arrival order); the loop only admits, waits and records. Usage::

    async with service.job(guild_id, member_id, "gan sample", params, seed=seed) as job:
        job.admit()                       # LimitError when over a limit
        ...                               # defer the interaction here
        sample = await job.run("gan", jobs.sample_grid, request)
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.db.ml import MlJob
from bot.ml.backend import Backend
from bot.ml.cards import ModelCard
from bot.ml.images import ImageInputError
from bot.ml.limits import LimitError, WorkLimiter
from bot.ml.models import ModelSet, load_models, read_cards
from bot.ml.requests import JobError

log = logging.getLogger(__name__)
T = TypeVar("T")
TRAIN_COMMANDS = {"gan": "aiclub train gan", "cnn": "aiclub train cnn"}
_JOB_STATUS = {"not_installed": "no_model", "stale": "stale", "timeout": "timeout"}


@dataclass(frozen=True)
class MlConfig:
    """The service's knobs (from Settings ``ml_*``)."""

    models_dir: Path
    intra_op_threads: int = 2
    inter_op_threads: int = 1
    job_timeout: float = 30.0
    member_jobs: int = 2
    guild_jobs: int = 6
    cooldown: float = 3.0

    @classmethod
    def from_settings(cls, settings: Settings) -> MlConfig:
        """The configuration the bot's settings ask for."""
        return cls(
            models_dir=settings.models_dir,
            intra_op_threads=settings.ml_intra_op_threads,
            inter_op_threads=settings.ml_inter_op_threads,
            job_timeout=settings.ml_job_timeout_s,
            member_jobs=settings.ml_member_jobs,
            guild_jobs=settings.ml_guild_jobs,
            cooldown=settings.ml_cooldown_s,
        )


@dataclass
class Job:
    """One ML request in flight; the service fills in the model version and timings."""

    service: InferenceService
    guild_id: int
    member_id: int
    command: str
    parameters: dict[str, Any]
    seed: int | None = None
    model_version: str | None = None
    compute_ms: float | None = None
    place: int | None = None
    started: float = field(default_factory=time.perf_counter)

    def admit(self) -> int:
        """Take a place in the queue (1 = next) or raise LimitError (cooldown or busy)."""
        self.place = self.service.limiter.admit(
            self.guild_id, self.member_id, self.service.clock.now(), self.service.typical_job_s
        )
        return self.place

    async def bounded(self, awaitable: Awaitable[T]) -> T:
        """Await ``awaitable`` within the job timeout (JobError ``timeout`` past it)."""
        timeout = self.service.config.job_timeout
        try:
            async with asyncio.timeout(timeout):
                return await awaitable
        except TimeoutError:
            raise JobError("timeout", seconds=f"{timeout:g}") from None

    async def run(
        self,
        kind: str,
        work: Callable[..., T],
        *args: Any,
        expect_version: str | None = None,
        model_name: str | None = None,
    ) -> T:
        """``work(model, *args)`` in the worker with a model of ``kind`` ('gan' or 'cnn').

        The model is ``model_name``, else the one whose version is ``expect_version``, else the
        default one. JobError: ``unknown_model`` (no model of that name), ``not_installed`` (no
        usable model), ``stale`` (the model is not ``expect_version`` any more), ``timeout``
        (queue plus work took too long; a job that already started finishes in the background
        and its result is dropped).
        """
        models = await self.service.ready()
        named = models.named(kind)
        if model_name is not None and model_name not in named:
            raise JobError(
                "unknown_model", name=model_name, models=", ".join(f"`{n}`" for n in named) or "—"
            )
        if model_name is None and expect_version is not None:
            by_version = [n for n, m in named.items() if m.card.version == expect_version]
            model_name = by_version[0] if by_version else None
        model = models.get(kind, model_name)
        if model is None:
            raise JobError("not_installed", kind=kind.upper(), command=TRAIN_COMMANDS[kind])
        self.model_version = model.card.version
        if expect_version is not None and expect_version != model.card.version:
            raise JobError("stale", version=expect_version, current=model.card.version)
        result, seconds = await self.bounded(self.service.in_worker(_timed, work, model, *args))
        self.compute_ms = seconds * 1000
        self.service.observe(seconds)
        return result


def _timed(work: Callable[..., T], *args: Any) -> tuple[T, float]:
    started = time.perf_counter()
    result = work(*args)
    return result, time.perf_counter() - started


def job_status(error: BaseException | None) -> tuple[str, str | None]:
    """How a job ended, as recorded: (status, reason code)."""
    if error is None:
        return "ok", None
    if isinstance(error, LimitError):
        return "limited", error.code
    if isinstance(error, ImageInputError):
        return "bad_input", error.code
    if isinstance(error, JobError):
        return _JOB_STATUS.get(error.code, "bad_input"), error.code
    if isinstance(error, asyncio.CancelledError):
        return "failed", "cancelled"
    return "failed", type(error).__name__[:32]


class InferenceService:
    """Loads the models in one worker thread and runs every ML job there, one at a time."""

    def __init__(
        self, config: MlConfig, *, backend: Backend, db: Database | None, clock: Clock
    ) -> None:
        self.config = config
        self.backend = backend
        self.db = db
        self.clock = clock
        self.limiter = WorkLimiter(
            per_member=config.member_jobs,
            per_guild=config.guild_jobs,
            cooldown=timedelta(seconds=config.cooldown),
        )
        self.typical_job_s = 0.05  # moving average of compute time, for retry estimates
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aiclub-ml")
        self._models: ModelSet | None = None
        self._loading: asyncio.Future[ModelSet] | None = None

    # ------------------------------------------------------------------ models
    @property
    def models(self) -> ModelSet | None:
        """The models in memory, or None before the first load."""
        return self._models

    def loaded_models(self) -> list[str]:
        """Versions of the models in memory (empty before the first load)."""
        return self._models.versions() if self._models is not None else []

    @property
    def loading(self) -> bool:
        """Whether a load of the models is under way."""
        return self._loading is not None

    def start_loading(self) -> None:
        """Begin loading the models in the worker and return at once (the background load)."""
        if self._models is None and self._loading is None:
            self._begin_load()

    def _begin_load(self) -> asyncio.Future[ModelSet]:
        # Submitted to the worker directly: nothing on the loop waits for a background load.
        work = self._executor.submit(load_models, self.config.models_dir, self.backend)
        self._loading = loading = asyncio.wrap_future(work)
        loading.add_done_callback(self._loaded)
        return loading

    def _loaded(self, loading: asyncio.Future[ModelSet]) -> None:
        if loading is not self._loading:
            return
        self._loading = None
        if loading.cancelled():
            return
        if (error := loading.exception()) is not None:
            log.error("loading the ML models failed; retrying on the next request", exc_info=error)
            return
        self._models = loading.result()
        log.info("ML models ready: %s", ", ".join(self._models.versions()) or "none")

    async def ready(self) -> ModelSet:
        """The loaded models, loading them first if needed (concurrent callers share one load)."""
        while self._models is None:
            await asyncio.shield(self._loading or self._begin_load())
        return self._models

    async def reload(self) -> ModelSet:
        """Load the model files again and swap them in (queued behind running jobs)."""
        if self._loading is not None:
            with suppress(Exception):  # a failed earlier load is what a reload is for
                await asyncio.shield(self._loading)
        return await asyncio.shield(self._begin_load())

    async def cards(self) -> dict[str, ModelCard | str]:
        """Each model's card or why it is not served, by name; loaded ones when loaded."""
        if self._models is not None:
            return self._models.cards()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, read_cards, self.config.models_dir)

    # ------------------------------------------------------------------ jobs
    async def in_worker(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work(*args)`` in the inference worker thread (after the jobs before it)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, work, *args)

    def observe(self, seconds: float) -> None:
        """Fold one job's compute time into the typical job time."""
        self.typical_job_s = 0.8 * self.typical_job_s + 0.2 * seconds

    @asynccontextmanager
    async def job(
        self,
        guild_id: int,
        member_id: int,
        command: str,
        parameters: dict[str, Any],
        *,
        seed: int | None = None,
    ) -> AsyncIterator[Job]:
        """A job for the block; on exit it leaves the queue and is recorded, however it ended."""
        job = Job(self, guild_id, member_id, command, dict(parameters), seed)
        error: BaseException | None = None
        try:
            yield job
        except BaseException as exc:
            error = exc
            raise
        finally:
            if job.place is not None:
                self.limiter.release(guild_id, member_id)
            await self._record(job, error)

    async def _record(self, job: Job, error: BaseException | None) -> None:
        if self.db is None:
            return
        status, reason = job_status(error)
        latency = (time.perf_counter() - job.started) * 1000
        row = MlJob(
            guild_id=job.guild_id, member_id=job.member_id, command=job.command,
            parameters=json.dumps(job.parameters, sort_keys=True), seed=job.seed,
            model_version=job.model_version, status=status, error=reason,
            latency_ms=round(latency, 3),
            compute_ms=round(job.compute_ms, 3) if job.compute_ms is not None else None,
            created_at=self.clock.now(),
        )  # fmt: skip
        try:
            async with self.db.session() as session:
                session.add(row)
                await session.commit()
        except Exception:  # the log must never break the reply
            log.exception("could not record ML job %s", job.command)

    async def close(self) -> None:
        """Stop taking work; queued jobs are dropped, a running one finishes on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)
