"""Forms of the admin pages. Each copies only its declared fields (SECURITY.md AC-5); filter
forms are GET forms without a CSRF token (they change nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...models import GroupRole, Role
from ...services.accounts import email_problem
from ..forms import country_choices

C = SelectChoice
ROLE_CHOICES = [
    C(Role.LEARNER.value, "Learner"),
    C(Role.TRAINER.value, "Trainer"),
    C(Role.ADMIN.value, "Administrator"),
]
GROUP_ROLE_CHOICES = [C(GroupRole.LEARNER.value, "Learner"), C(GroupRole.TRAINER.value, "Trainer")]


def _valid_email(_form: FlaskForm, field: StringField) -> None:
    problem = email_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class GetForm(FlaskForm):
    """A filter form read from the query string."""

    class Meta:
        csrf = False


class AccountFilterForm(GetForm):
    q = SearchField("Name, email or organisation", validators=[Optional(), Length(max=100)])
    role = SelectField("Role", choices=[C("", "Any role"), *ROLE_CHOICES], validators=[Optional()])
    organisation = SelectField(
        "Organisation",
        choices=[C("", "Any organisation")],
        validate_choice=False,
        validators=[Optional(), Length(max=160)],
    )
    country = SelectField(
        "Country", choices=[C("", "Any country")], validate_choice=False, validators=[Optional(), Length(max=2)]
    )
    status = SelectField(
        "Status",
        choices=[C("", "Active and deactivated"), C("active", "Active"), C("inactive", "Deactivated")],
        validators=[Optional()],
    )


class ProfileFields(FlaskForm):
    name = StringField("Full name", validators=[DataRequired("Enter a name."), Length(max=120)])
    organisation = StringField("Organisation or ministry", validators=[Optional(), Length(max=160)])
    country = SelectField("Country", choices=country_choices, validators=[Optional()])


class AccountForm(ProfileFields):
    email = EmailField("Email address", validators=[_valid_email, Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.LEARNER.value)
    submit = SubmitField("Create the account")


class AccountEditForm(ProfileFields):
    submit = SubmitField("Save changes")


class RoleForm(FlaskForm):
    role = SelectField("New role", choices=ROLE_CHOICES)
    submit = SubmitField("Change the role")


class GroupForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Enter a name."), Length(max=120)],
        description="For example: Nairobi workshop, March 2026.",
    )
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    starts_on = DateField("Starts on", validators=[Optional()])
    submit = SubmitField("Save the group")


class MemberForm(FlaskForm):
    email = EmailField("Email address of the account", validators=[_valid_email, Length(max=254)])
    role = SelectField("Role in the group", choices=GROUP_ROLE_CHOICES, default=GroupRole.LEARNER.value)
    submit = SubmitField("Add to the group")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Check the file")


class AttendanceForm(FlaskForm):
    unit = SelectField("Unit", validators=[DataRequired("Choose a unit.")])
    session_date = DateField("Session date", validators=[DataRequired("Enter the date of the session.")])
    present = SelectMultipleField(
        "Learners present", coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    mark_complete = BooleanField(
        "Mark the unit complete for the learners present",
        description="Use this when the workshop session covered the whole unit. Reports show that a trainer marked it.",
    )
    submit = SubmitField("Record attendance")


class UndoMarkForm(FlaskForm):
    unit = HiddenField(validators=[DataRequired(), Length(max=64)])
    learner = HiddenField(validators=[DataRequired(), Length(max=12)])
    submit = SubmitField("Remove mark")


class ReportFilterForm(GetForm):
    group = SelectField(
        "Group", choices=[C("", "All groups")], validate_choice=False, validators=[Optional(), Length(max=12)]
    )
    organisation = SelectField(
        "Organisation",
        choices=[C("", "All organisations")],
        validate_choice=False,
        validators=[Optional(), Length(max=160)],
    )
    country = SelectField(
        "Country", choices=[C("", "All countries")], validate_choice=False, validators=[Optional(), Length(max=2)]
    )
    registered_from = DateField("Registered from", validators=[Optional()])
    registered_to = DateField("Registered until", validators=[Optional()])


class LearnerListForm(GetForm):
    q = SearchField("Name or email", validators=[Optional(), Length(max=100)])
    status = SelectField(
        "Course status",
        choices=[
            C("", "Any status"),
            C("complete", "Complete"),
            C("in_progress", "In progress"),
            C("not_started", "Not started"),
        ],
        validators=[Optional()],
    )
    sort = SelectField(
        "Sort by",
        choices=[
            C("name", "Name"),
            C("organisation", "Organisation"),
            C("country", "Country"),
            C("registered", "Newest first"),
        ],
        validators=[Optional()],
    )
