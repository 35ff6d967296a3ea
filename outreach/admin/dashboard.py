"""/admin/dashboard: today's numbers and 30-day charts."""

from __future__ import annotations

from flask import render_template

from outreach.admin import bp
from outreach.models import utcnow
from outreach.reporting import charts
from outreach.reporting.attention import unanswered_count
from outreach.reporting.figures import Dashboard, build_dashboard

SENT, REPLIED, ALARM, URGENT = "#1f6feb", "#15803d", "#d97706", "#b42318"


def dashboard_charts(data: Dashboard) -> dict:
    """The dashboard's SVG charts, built from its numbers."""
    labels = [d.day.strftime("%d %b") for d in data.days]
    days = data.days
    reps = data.reps
    return {
        "sent": charts.column_chart(
            labels,
            [
                charts.Series("replied", [d.replied for d in days], REPLIED),
                charts.Series("no reply", [d.sent - d.replied for d in days], SENT),
            ],
            title="Check-ins sent per day, and how many got a reply",
        ),
        "reply_rate": charts.column_chart(
            labels,
            [charts.Series("reply rate", [d.reply_rate for d in days], REPLIED)],
            title="Reply rate per day (replies per check-in sent)",
            unit="%",
            max_value=100,
        ),
        "alarms": charts.column_chart(
            labels,
            [
                charts.Series("urgent", [d.urgent for d in days], URGENT),
                charts.Series("negative", [d.negative for d in days], ALARM),
            ],
            title="Negative and urgent replies per day",
        ),
        "followups": charts.column_chart(
            labels,
            [
                charts.Series("kept on time", [d.followups_on_time for d in days], REPLIED),
                charts.Series("done late", [d.followups_late for d in days], ALARM),
                charts.Series("not done", [d.followups_open for d in days], URGENT),
            ],
            title="Follow-ups by due day: kept on time, late, not done",
        ),
        "reps": charts.bar_rows(
            [r.name for r in reps],
            [
                charts.Series("on time", [r.on_time for r in reps], REPLIED),
                charts.Series("late", [r.late for r in reps], ALARM),
                charts.Series("missed", [r.missed for r in reps], URGENT),
            ],
            title="Personal check-in calls per rep: made before the deadline, late, missed",
        ),
    }


@bp.get("/dashboard")
def dashboard():
    """Today's numbers, the unanswered alarms and charts over the last 30 days."""
    data = build_dashboard(utcnow())
    return render_template(
        "admin/dashboard.html",
        data=data,
        charts=dashboard_charts(data),
        unanswered=unanswered_count(),
    )
