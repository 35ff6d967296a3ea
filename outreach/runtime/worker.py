"""The RQ worker of `outreach worker`: the app's queues on the app's Redis, one app per process.

Why SimpleWorker (jobs run in the worker process) and not RQ's forking Worker: measured with
bench/dispatch.py --compare-workers on this 2-core machine (two `rq worker` processes, 1,000
no-op jobs, PostgreSQL and an embedded Redis beside them), SimpleWorker ran 402 jobs/s and the
forking Worker 13.8 jobs/s (310 and 14.5 in an earlier run): a fork per job, with the work
horse's set-up and monitoring, costs far more than the job. `outreach worker` itself
(SimpleWorker) ran 10,000 no-op jobs at 521/s (bench/results/latest.json).
SimpleWorker also keeps the one app, its database connection pool and the Twilio client's
keep-alive connection across jobs; after a fork each child would rebuild them (an inherited
connection pool must not be shared with the parent). What the fork would buy, isolation from a
job that crashes the interpreter, the process supervisor (`outreach dev`, systemd) gives by
restarting the worker; a job's time limit is still enforced (SIGALRM in the main thread), and a
worker killed mid-job leaves its job to RQ's heartbeat expiry and its sends to the sweeper's
reconciliation.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask
from rq import Queue, SimpleWorker
from rq.worker import BaseWorker

import jobs
from outreach.runtime.queues import QUEUES, redis_url

log = logging.getLogger(__name__)

WORKER_CLASS = SimpleWorker


def create_worker(app: Flask, worker_class: type[BaseWorker] | None = None) -> BaseWorker:
    """An RQ worker for the app's queues (highest priority first); jobs run in `app`."""
    jobs.set_app(app)
    # A connection of its own: RQ raises its socket timeout for blocking pops.
    conn = redis.Redis.from_url(redis_url(app))
    queues = [Queue(name, connection=conn) for name in QUEUES]
    return (worker_class or WORKER_CLASS)(queues, connection=conn, log_job_description=True)


def run_worker(app: Flask, burst: bool = False) -> bool:
    """Work until SIGTERM/SIGINT (with burst: until the queues are empty); True if it worked."""
    worker = create_worker(app)
    log.info("worker %s on queues %s", worker.name, ", ".join(QUEUES))
    return worker.work(burst=burst, logging_level="INFO")
