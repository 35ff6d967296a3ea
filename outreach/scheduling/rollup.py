"""The check-in figures rollup: check-ins that went out per 15-minute UTC bucket, and how many
of them got a reply, kept in the same transaction as the transition or reply that changes them.

A check-in counts once, in the bucket of its first transition into a "went out" status (a
carrier retry that sends it again does not count it twice); it counts as replied when any reply
is linked to it. Every local day of every zone starts on a 15-minute boundary in UTC, so a day's
figures are the sum of its buckets. `recount` computes the same numbers from the transitions and
replies themselves; `rebuild` replaces the rollup with them.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from outreach.extensions import db
from outreach.models import CheckInFigures, CheckInTransition, Reply
from outreach.models.base import upsert_insert
from outreach.models.checkins import WENT_OUT

BUCKET = timedelta(minutes=15)
SHARDS = 8  #: rows per bucket: a writer adds to the row of its process
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def bucket_of(at: datetime) -> datetime:
    """The start of the 15-minute UTC bucket holding `at`."""
    return at - (at.astimezone(UTC) - _EPOCH) % BUCKET


def _add(bucket: datetime, went_out: int, replied: int) -> None:
    """Add to one bucket's counts (an upsert on this process's row)."""
    if not went_out and not replied:
        return
    table = CheckInFigures.__table__
    statement = upsert_insert(table).values(
        bucket_start=bucket, shard=os.getpid() % SHARDS, went_out=went_out, replied=replied
    )
    db.session.connection().execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.bucket_start, table.c.shard],
            set_={
                "went_out": table.c.went_out + statement.excluded.went_out,
                "replied": table.c.replied + statement.excluded.replied,
            },
        )
    )


def went_out(checkin_ids: Collection[int], at: datetime) -> None:
    """Count check-ins that have just moved into a "went out" status at `at` (call before their
    transitions are recorded): those that never went out before, and of them the replied."""
    if not checkin_ids:
        return
    ids = sorted(checkin_ids)
    t = CheckInTransition
    before = set(
        db.session.scalars(
            sa.select(t.checkin_id).where(t.checkin_id.in_(ids), t.to_status.in_(WENT_OUT))
        )
    )
    first = [i for i in ids if i not in before]
    if not first:
        return
    replied = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Reply.checkin_id))).where(Reply.checkin_id.in_(first))
    )
    _add(bucket_of(at), len(first), replied or 0)


def reply_linked(checkin_id: int) -> None:
    """Count a reply just stored for a check-in: the check-in's first reply, after it went out,
    makes it replied in the bucket where it went out."""
    replies = db.session.scalar(
        sa.select(sa.func.count()).select_from(Reply).where(Reply.checkin_id == checkin_id)
    )
    if replies != 1:
        return
    t = CheckInTransition
    first = db.session.scalar(
        sa.select(sa.func.min(t.created_at)).where(
            t.checkin_id == checkin_id, t.to_status.in_(WENT_OUT)
        )
    )
    if first is not None:
        _add(bucket_of(first), 0, 1)


def recount(start: datetime | None = None, end: datetime | None = None) -> dict:
    """The rollup's numbers computed from transitions and replies: {bucket: (went_out, replied)}
    for buckets in [start, end) (every bucket when not given)."""
    t = CheckInTransition
    first = (
        sa.select(t.checkin_id, sa.func.min(t.created_at).label("at"))
        .where(t.to_status.in_(WENT_OUT))
        .group_by(t.checkin_id)
        .subquery()
    )
    at = sa.type_coerce(first.c.at, CheckInTransition.created_at.type)
    replied = sa.exists().where(Reply.checkin_id == first.c.checkin_id)
    query = sa.select(at, replied)
    if start is not None:
        query = query.where(first.c.at >= sa.literal(start, CheckInTransition.created_at.type))
    if end is not None:
        query = query.where(first.c.at < sa.literal(end, CheckInTransition.created_at.type))
    counts: dict[datetime, list[int]] = defaultdict(lambda: [0, 0])
    for when, has_reply in db.session.execute(query.execution_options(yield_per=10_000)):
        row = counts[bucket_of(when)]
        row[0] += 1
        row[1] += 1 if has_reply else 0
    return {bucket: tuple(row) for bucket, row in sorted(counts.items())}


def stored(start: datetime | None = None, end: datetime | None = None) -> dict:
    """The rollup as stored, summed over shards: {bucket: (went_out, replied)}, zeros left out."""
    f = CheckInFigures
    query = sa.select(f.bucket_start, sa.func.sum(f.went_out), sa.func.sum(f.replied)).group_by(
        f.bucket_start
    )
    if start is not None:
        query = query.where(f.bucket_start >= sa.literal(start, f.bucket_start.type))
    if end is not None:
        query = query.where(f.bucket_start < sa.literal(end, f.bucket_start.type))
    return {
        bucket: (int(w), int(r))
        for bucket, w, r in db.session.execute(query.order_by(f.bucket_start))
        if w or r
    }


def rebuild() -> int:
    """Replace the rollup with a recount, writers held off meanwhile; the buckets written.
    Commits."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE checkin_figures IN EXCLUSIVE MODE")
    elif not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    conn.execute(sa.delete(CheckInFigures))
    rows = [
        {"bucket_start": bucket, "shard": 0, "went_out": w, "replied": r}
        for bucket, (w, r) in recount().items()
    ]
    if rows:
        conn.execute(sa.insert(CheckInFigures), rows)
    db.session.commit()
    return len(rows)
