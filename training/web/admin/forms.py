"""Forms of the admin pages. Each copies only its declared fields (docs/security.md ACC-5); filter
forms are GET forms without a CSRF token (they change nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...fields import MAX_EMAIL_LENGTH, MAX_GROUP_DESCRIPTION, MAX_GROUP_NAME, MAX_ORGANISATION
from ...i18n import NO_LANGUAGE
from ...i18n import lazy_gettext as _l
from ...permissions import GroupRole, Role
from ..forms import NAME_RULES, ProfileFields, TextRule, language_choices, sane_date, valid_email

C = SelectChoice
ROLE_CHOICES = [
    C(Role.LEARNER.value, _l("Learner")),
    C(Role.TRAINER.value, _l("Trainer")),
    C(Role.ADMIN.value, _l("Administrator")),
]
GROUP_ROLE_CHOICES = [C(GroupRole.LEARNER.value, _l("Learner")), C(GroupRole.TRAINER.value, _l("Trainer"))]


def account_language_choices() -> list[SelectChoice]:
    return [C("", _l("The browser's language")), *language_choices()]


def language_filter_choices() -> list[SelectChoice]:
    return [C("", _l("Any language")), *language_choices(), C(NO_LANGUAGE, _l("None chosen"))]


class GetForm(FlaskForm):
    """A filter form read from the query string."""

    class Meta:
        csrf = False


class AccountFilterForm(GetForm):
    q = SearchField(_l("Name, email or organisation"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[C("", _l("Any role")), *ROLE_CHOICES], validators=[Optional()])
    organisation = SelectField(
        _l("Organisation"),
        choices=[C("", _l("Any organisation"))],
        validate_choice=False,
        validators=[Optional(), Length(max=MAX_ORGANISATION)],
    )
    country = SelectField(
        _l("Country"), choices=[C("", _l("Any country"))], validate_choice=False, validators=[Optional(), Length(max=2)]
    )
    language = SelectField(_l("Language"), choices=language_filter_choices, validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[
            C("", _l("Active and deactivated")),
            C("active", _l("Active")),
            C("inactive", _l("Deactivated")),
            C("invited", _l("Invitation not accepted yet")),
        ],
        validators=[Optional()],
    )


class AdminProfileFields(ProfileFields):
    language = SelectField(
        _l("Language of the platform"),
        choices=account_language_choices,
        validators=[Optional()],
        description=_l("Until the person chooses, pages follow the language of their browser."),
    )


INVITE, TEMPORARY_PASSWORD = "invite", "password"


def delivery_field() -> RadioField:
    return RadioField(
        _l("How the person gets in"),
        choices=[
            C(INVITE, _l("Send an invitation by email: they choose their own password (recommended)")),
            C(TEMPORARY_PASSWORD, _l("Make a temporary password to hand over in person, where email is not available")),
        ],
        default=INVITE,
    )


class AccountForm(AdminProfileFields):
    email = EmailField(_l("Email address"), validators=[valid_email, Length(max=MAX_EMAIL_LENGTH)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.LEARNER.value)
    delivery = delivery_field()
    submit = SubmitField(_l("Create the account"))


class ConfirmImportForm(FlaskForm):
    delivery = delivery_field()


class EmailChangeForm(FlaskForm):
    email = EmailField(_l("New email address"), validators=[valid_email, Length(max=MAX_EMAIL_LENGTH)])
    submit = SubmitField(_l("Change the address"))


class AccountEditForm(AdminProfileFields):
    submit = SubmitField(_l("Save changes"))


class EraseForm(FlaskForm):
    confirm = StringField(
        _l("Type the person's email address to confirm"),
        validators=[DataRequired(_l("Type the email address to confirm.")), Length(max=MAX_EMAIL_LENGTH)],
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("New role"), choices=ROLE_CHOICES)
    submit = SubmitField(_l("Change the role"))


class GroupForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Enter a name.")),
            TextRule(_l("The name"), MAX_GROUP_NAME),
            Length(max=MAX_GROUP_NAME),
        ],
        description=_l("For example: Nairobi workshop, March 2026."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=MAX_GROUP_DESCRIPTION)])
    starts_on = DateField(_l("Starts on"), validators=[Optional(), sane_date])
    ends_on = DateField(
        _l("Ends on"),
        validators=[Optional(), sane_date],
        description=_l("Learners who have not finished get a reminder a few days before."),
    )
    submit = SubmitField(_l("Save the group"))

    def validate_ends_on(self, field: DateField) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


class MemberForm(FlaskForm):
    email = EmailField(_l("Email address of the account"), validators=[valid_email, Length(max=MAX_EMAIL_LENGTH)])
    role = SelectField(_l("Role in the group"), choices=GROUP_ROLE_CHOICES, default=GroupRole.LEARNER.value)
    submit = SubmitField(_l("Add to the group"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    submit = SubmitField(_l("Check the file"))


class AttendanceForm(FlaskForm):
    unit = SelectField(_l("Unit"), validators=[DataRequired(_l("Choose a unit."))])
    session_date = DateField(
        _l("Session date"), validators=[DataRequired(_l("Enter the date of the session.")), sane_date]
    )
    present = SelectMultipleField(
        _l("Learners present"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )
    mark_complete = BooleanField(
        _l("Mark the unit complete for the learners present"),
        description=_l(
            "Use this when the workshop session covered the whole unit. Reports show that a trainer marked it."
        ),
    )
    submit = SubmitField(_l("Record attendance"))


class UndoMarkForm(FlaskForm):
    unit = HiddenField(validators=[DataRequired(), Length(max=64)])
    learner = HiddenField(validators=[DataRequired(), Length(max=12)])
    submit = SubmitField(_l("Remove mark"))


class GrantAttemptsForm(FlaskForm):
    """More attempts at a quiz for one learner (choices: the quizzes with a limit)."""

    quiz = SelectField(_l("Quiz"), validators=[DataRequired()])
    extra = IntegerField(_l("Extra attempts"), default=1, validators=[DataRequired(), NumberRange(min=1, max=10)])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=500)],
        description=_l("Kept in the audit log and shown in the learner's records."),
    )
    submit = SubmitField(_l("Grant attempts"))


class ReportFilterForm(GetForm):
    group = SelectField(
        _l("Group"), choices=[C("", _l("All groups"))], validate_choice=False, validators=[Optional(), Length(max=12)]
    )
    organisation = SelectField(
        _l("Organisation"),
        choices=[C("", _l("All organisations"))],
        validate_choice=False,
        validators=[Optional(), Length(max=MAX_ORGANISATION)],
    )
    country = SelectField(
        _l("Country"),
        choices=[C("", _l("All countries"))],
        validate_choice=False,
        validators=[Optional(), Length(max=2)],
    )
    language = SelectField(_l("Language"), choices=language_filter_choices, validators=[Optional()])
    registered_from = DateField(_l("Registered from"), validators=[Optional(), sane_date])
    registered_to = DateField(_l("Registered until"), validators=[Optional(), sane_date])


class LearnerListForm(GetForm):
    q = SearchField(_l("Name or email"), validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Course status"),
        choices=[
            C("", _l("Any status")),
            C("complete", _l("Complete")),
            C("in_progress", _l("In progress")),
            C("not_started", _l("Not started")),
        ],
        validators=[Optional()],
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[
            C("name", _l("Name")),
            C("organisation", _l("Organisation")),
            C("country", _l("Country")),
            C("registered", _l("Newest first")),
        ],
        validators=[Optional()],
    )


class CertificateFilterForm(GetForm):
    """The certificates list's own filters: the day issued and the status."""

    issued_from = DateField(_l("Issued from"), validators=[Optional()])
    issued_to = DateField(_l("Issued until"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[C("", _l("Valid and revoked")), C("valid", _l("Valid")), C("revoked", _l("Revoked"))],
        validators=[Optional()],
    )


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason: it is kept in the audit log.")), Length(max=500)],
        description=_l("Kept in the audit log. The verification page shows only the date."),
    )
    submit = SubmitField(_l("Revoke the certificate"))


class ReissueForm(FlaskForm):
    name = StringField(
        _l("Corrected name"),
        validators=[DataRequired(_l("Enter the name as it should be printed.")), *NAME_RULES],
        description=_l("The account's name is corrected too; the old certificate is revoked."),
    )
    submit = SubmitField(_l("Re-issue with this name"))
