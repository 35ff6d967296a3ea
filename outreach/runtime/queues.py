"""Redis and RQ: one connection per process, the app's queues, embedded Redis when unset."""

from __future__ import annotations

from pathlib import Path

import redis
from flask import Flask, current_app
from rq import Queue

QUEUES = ("outreach-high", "outreach")


def init_app(app: Flask) -> None:
    """Remember how to reach Redis; connect lazily."""
    app.extensions["redis"] = None


def redis_url(app: Flask | None = None) -> str:
    """The Redis URL of this app, starting the embedded Redis when REDIS_URL is unset."""
    app = app or current_app
    settings = app.extensions["settings"]
    if settings.redis_url:
        return settings.redis_url
    from outreach.runtime.redis_embedded import ensure_embedded_redis

    url, _ = ensure_embedded_redis(Path(app.instance_path) / "redis")
    return url


def get_redis(app: Flask | None = None) -> redis.Redis:
    """The process's Redis client for this app."""
    app = app or current_app._get_current_object()
    conn = app.extensions.get("redis")
    if conn is None:
        conn = redis.Redis.from_url(redis_url(app), socket_timeout=5, socket_connect_timeout=2)
        app.extensions["redis"] = conn
    return conn


def get_queue(name: str = "outreach", app: Flask | None = None) -> Queue:
    """An RQ queue on the app's Redis."""
    return Queue(name, connection=get_redis(app))
