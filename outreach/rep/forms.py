"""Forms of the rep page: a call's outcome, a follow-up kept, the calendar feed."""

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from outreach.conversations.followups import NOTE_MAX
from outreach.conversations.worklist import OUTCOMES, OutcomeInput
from outreach.models.followups import PRIORITIES


class OutcomeForm(FlaskForm):
    """What happened on a rep call; "issue found" also needs a date and a note."""

    outcome = RadioField(
        "What happened",
        choices=[SelectChoice(k, v) for k, v in OUTCOMES.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField("Note (the issue, if any)", validators=[Length(max=NOTE_MAX)])
    followup_due = DateField("Get back to them by", validators=[Optional()])
    promise = TextAreaField("What you promised", validators=[Length(max=NOTE_MAX)])
    priority = SelectField("Priority", choices=list(PRIORITIES), default="normal")

    def to_input(self) -> OutcomeInput:
        """The form's values for the worklist service."""
        return OutcomeInput(
            outcome=self.outcome.data,
            note=self.note.data or "",
            followup_due=self.followup_due.data,
            promise=self.promise.data or "",
            priority=self.priority.data,
        )


class FollowUpDoneForm(FlaskForm):
    """A follow-up kept, with what was done."""

    note = TextAreaField("What you did", validators=[Length(max=NOTE_MAX)])


class CalendarForm(FlaskForm):
    """Create, replace or revoke the calendar feed (a POST with the CSRF token)."""
