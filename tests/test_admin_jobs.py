"""/admin/rq: the job monitor reads the real RQ registries and requeues failed jobs."""

from __future__ import annotations

import re

import pytest
from rq import Queue, SimpleWorker
from web_helpers import isolated_client, make_user, sign_in

from outreach.runtime.queues import get_redis


@pytest.fixture
def client(app, db):
    """A client signed in as an admin."""
    client = isolated_client(app)
    sign_in(client, make_user("admin"))
    return client


@pytest.fixture
def failed(app):
    """Two jobs on the `outreach` queue that failed in a real (burst) worker."""
    queue = Queue("outreach", connection=get_redis())
    jobs = [queue.enqueue("math.sqrt", -1, description=f"bad sqrt {i}") for i in range(2)]
    SimpleWorker([queue], connection=get_redis()).work(burst=True)
    assert queue.failed_job_registry.count == 2
    return queue, jobs


def _counts(html: str, name: str) -> list[int]:
    row = html.split(f"<code>{name}</code>")[1].split("</tr>")[0]
    return [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', row)]


def test_the_monitor_counts_each_queue_and_registry(client, failed):
    queue, _ = failed
    queue.enqueue("math.sqrt", 4)
    html = client.get("/admin/rq").get_data(as_text=True)
    counts = _counts(html, "outreach")
    assert counts[0] == 1  # waiting
    assert counts[1 + ["started", "scheduled", "deferred", "failed"].index("failed")] == 2
    assert _counts(html, "outreach-high")[0] == 0
    assert "No worker is running" in html


def test_failed_jobs_show_their_error_and_can_be_requeued_or_deleted(client, failed):
    queue, (first, second) = failed
    html = client.get("/admin/rq/outreach/failed").get_data(as_text=True)
    assert "bad sqrt 0" in html and "ValueError: math domain error" in html

    client.post(f"/admin/rq/outreach/failed/{first.id}/requeue")
    assert queue.job_ids == [first.id] and queue.failed_job_registry.count == 1
    response = client.post(f"/admin/rq/outreach/failed/{second.id}/delete", follow_redirects=True)
    assert f"Job {second.id} deleted." in response.get_data(as_text=True)
    assert queue.failed_job_registry.count == 0
    again = client.post(f"/admin/rq/outreach/failed/{second.id}/requeue", follow_redirects=True)
    assert "is no longer in the failed jobs" in again.get_data(as_text=True)


def test_requeue_all(client, failed):
    queue, jobs = failed
    response = client.post("/admin/rq/outreach/failed/requeue", follow_redirects=True)
    assert "Requeued 2 failed jobs of outreach." in response.get_data(as_text=True)
    assert sorted(queue.job_ids) == sorted(j.id for j in jobs)


def test_only_the_apps_queues_can_be_looked_at(client):
    assert client.get("/admin/rq/rq:workers/failed").status_code == 404
    assert client.post("/admin/rq/other/failed/requeue").status_code == 404


def test_an_unreachable_redis_is_a_clear_page_not_a_500(make_app, db):
    user = make_user("admin")
    client = isolated_client(make_app(env={"REDIS_URL": "redis://127.0.0.1:1/0"}))
    sign_in(client, user)
    response = client.get("/admin/rq")
    assert response.status_code == 503
    assert "Redis is unreachable (ConnectionError)" in response.get_data(as_text=True)


def test_reps_cannot_touch_jobs(app, db, failed):
    queue, (job, _) = failed
    client = isolated_client(app)
    sign_in(client, make_user("rep"))
    assert client.get("/admin/rq").status_code == 403
    assert client.post(f"/admin/rq/outreach/failed/{job.id}/requeue").status_code == 403
    assert queue.failed_job_registry.count == 2
