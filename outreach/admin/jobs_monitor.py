"""/admin/rq: the RQ job monitor: queues and their registries, workers, failed jobs, requeue.

Built here rather than mounting rq-dashboard 0.9: its delete/empty/requeue actions are posted
by its JavaScript without a CSRF token (so the app's CSRF protection refuses them unless the
blueprint is exempted, leaving destructive actions open to cross-site requests), it requeues
on a GET, several of its views answer 500 for an unknown job or instance, and it needs arrow
and redis-sentinel-url. This page reads the same RQ registries, read-only except for
requeueing or deleting failed jobs through CSRF-protected forms.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from outreach.admin import bp
from outreach.runtime.queues import QUEUES, get_redis

log = logging.getLogger(__name__)

FAILED_SHOWN = 50
REGISTRIES = ("started", "scheduled", "deferred", "failed", "finished", "canceled")


@dataclass(frozen=True)
class QueueStats:
    """One queue: jobs waiting, and the count in each registry."""

    name: str
    queued: int
    registries: dict[str, int]


@dataclass(frozen=True)
class FailedJob:
    """A failed job as the monitor shows it."""

    id: str
    description: str
    func: str
    enqueued_at: object
    ended_at: object
    error: str


def _queue(name: str) -> Queue:
    if name not in QUEUES:
        abort(404)
    return Queue(name, connection=get_redis())


def queue_stats() -> list[QueueStats]:
    """Every app queue with its counts (registries read without clean-up)."""
    stats = []
    for name in QUEUES:
        q = Queue(name, connection=get_redis())
        counts = {
            r: getattr(q, f"{r}_job_registry").get_job_count(cleanup=False) for r in REGISTRIES
        }
        stats.append(QueueStats(name, q.count, counts))
    return stats


def failed_jobs(name: str, limit: int = FAILED_SHOWN) -> tuple[list[FailedJob], int]:
    """The newest failed jobs of a queue with their error, and how many failed in all."""
    registry = _queue(name).failed_job_registry
    total = registry.get_job_count(cleanup=False)
    ids = registry.get_job_ids(0, limit - 1, desc=True, cleanup=False)
    jobs = []
    for job_id, job in zip(ids, Job.fetch_many(ids, connection=get_redis()), strict=True):
        if job is None:
            jobs.append(FailedJob(job_id, "(job data expired)", "", None, None, ""))
            continue
        result = job.latest_result()
        jobs.append(
            FailedJob(
                job.id,
                job.description or "",
                job.func_name or "",
                job.enqueued_at,
                job.ended_at,
                (result.exc_string or "") if result is not None else "",
            )
        )
    return jobs, total


@bp.get("/rq")
def jobs():
    """Queues, their counts and the workers."""
    try:
        stats = queue_stats()
        workers = Worker.all(connection=get_redis())
    except RedisError as exc:
        log.warning("job monitor: Redis unreachable (%s)", type(exc).__name__)
        return render_template("admin/jobs.html", error=type(exc).__name__), 503
    return render_template("admin/jobs.html", stats=stats, workers=workers, error=None)


@bp.get("/rq/<name>/failed")
def jobs_failed(name: str):
    """A queue's failed jobs, newest first, with the error of each."""
    _queue(name)
    try:
        rows, total = failed_jobs(name)
    except RedisError as exc:
        log.warning("job monitor: Redis unreachable (%s)", type(exc).__name__)
        return render_template("admin/jobs.html", error=type(exc).__name__), 503
    return render_template("admin/jobs_failed.html", name=name, rows=rows, total=total)


@bp.post("/rq/<name>/failed/<job_id>/<any(requeue, delete):action>")
def jobs_failed_action(name: str, job_id: str, action: str):
    """Requeue a failed job (the jobs are idempotent) or delete it."""
    registry = _queue(name).failed_job_registry
    try:
        if action == "requeue":
            registry.requeue(job_id)
        else:
            Job.fetch(job_id, connection=get_redis()).delete()
    except (NoSuchJobError, InvalidJobOperation):
        flash(f"Job {job_id} is no longer in the failed jobs of {name}.", "error")
    except RedisError as exc:
        flash(f"Redis is unreachable ({type(exc).__name__}).", "error")
    else:
        log.info("job %s %sd from the monitor", job_id, action)
        flash(f"Job {job_id} {action}d.", "success")
    return redirect(url_for("admin.jobs_failed", name=name))


@bp.post("/rq/<name>/failed/requeue")
def jobs_requeue_all(name: str):
    """Requeue every failed job of a queue."""
    registry = _queue(name).failed_job_registry
    done = 0
    try:
        for job_id in registry.get_job_ids(cleanup=False):
            try:
                registry.requeue(job_id)
                done += 1
            except (NoSuchJobError, InvalidJobOperation):
                continue
    except RedisError as exc:
        flash(f"Redis is unreachable ({type(exc).__name__}).", "error")
    else:
        flash(f"Requeued {done} failed jobs of {name}.", "success")
    return redirect(url_for("admin.jobs_failed", name=name))
