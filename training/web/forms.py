"""WTForms classes. Each form copies only its own declared fields; nothing else posted is read."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional, StopValidation, ValidationError

from .. import i18n
from ..fields import (
    MAX_EMAIL_LENGTH,
    MAX_NAME,
    MAX_ORGANISATION,
    MAX_PASSWORD_LENGTH,
    date_problem,
    email_problem,
    field_problem,
    password_problem,
    text_problem,
    time_zones,
)
from ..i18n import country_name
from ..i18n import lazy_gettext as _l

__all__ = ["country_choices", "country_name", "language_choices"]


def country_choices() -> list[SelectChoice]:
    """ISO 3166-1 countries by name in the reader's language, with their alpha-2 codes as
    values. Passed to a field as a function, so each request gets its own language."""
    return [
        SelectChoice("", i18n.gettext("Choose a country")),
        *(SelectChoice(code, name) for code, name in i18n.country_choices()),
    ]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice(code, name, render_kw={"lang": code}) for code, name in i18n.language_choices()]


def time_zone_choices() -> list[SelectChoice]:
    """IANA time zone names (``Africa/Nairobi``): the names people see on their phones."""
    return [SelectChoice("", i18n.gettext("UTC (no time zone chosen)")), *(SelectChoice(z, z) for z in time_zones())]


CODE_INPUT = {"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}
"""A code from an authenticator app: the phone shows digits and may offer the code itself."""


def valid_email(_form: FlaskForm, field: StringField) -> None:
    problem = email_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def sane_date(_form: FlaskForm, field: DateField) -> None:
    """A date within the years the platform accepts (``fields.date_problem``)."""
    problem = date_problem(field.data) if field.data else None
    if problem:
        raise ValidationError(problem)


class TextRule:
    """A one-line text field checked by the rule every other source uses
    (``fields.text_problem``: no line break, control or direction character; at most ``limit``
    characters once spaces are tidied), with the same message. It stops the field's other
    validators; a ``Length`` after it only gives the input its ``maxlength``."""

    def __init__(self, label: str, limit: int):
        self.label, self.limit = label, limit

    def __call__(self, _form: FlaskForm, field: StringField) -> None:
        problem = text_problem(field.data or "", self.limit)
        if problem:
            raise StopValidation(field_problem(problem, str(self.label), self.limit))


def _valid_new_password(_form: FlaskForm, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


NAME_RULES = (TextRule(_l("The name"), MAX_NAME), Length(max=MAX_NAME))
ORGANISATION_RULES = (TextRule(_l("The organisation"), MAX_ORGANISATION), Length(max=MAX_ORGANISATION))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email address"), validators=[DataRequired(_l("Enter your email address.")), Length(max=MAX_EMAIL_LENGTH)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Sign in"))


class TotpForm(FlaskForm):
    # No numeric keyboard here: the same field takes recovery codes, which have letters.
    code = StringField(_l("Authentication code"), validators=[DataRequired(_l("Enter the code.")), Length(max=40)])
    submit = SubmitField(_l("Verify"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter your name.")), *NAME_RULES])
    email = EmailField(_l("Email address"), validators=[valid_email, Length(max=MAX_EMAIL_LENGTH)])
    organisation = StringField(_l("Organisation or ministry"), validators=[Optional(), *ORGANISATION_RULES])
    country = SelectField(_l("Country"), choices=country_choices, validators=[Optional()])
    language = SelectField(_l("Language"), choices=language_choices, validators=[Optional()])
    password = PasswordField(
        _l("Password"),
        validators=[_valid_new_password],
        description=_l("At least 8 characters. A short sentence works well."),
    )
    confirm = PasswordField(
        _l("Repeat the password"), validators=[EqualTo("password", _l("The two passwords are not the same."))]
    )
    submit = SubmitField(_l("Create account"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=MAX_PASSWORD_LENGTH)],
    )
    password = PasswordField(
        _l("New password"),
        validators=[_valid_new_password],
        description=_l("At least 8 characters. A short sentence works well."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[EqualTo("password", _l("The two passwords are not the same."))]
    )
    submit = SubmitField(_l("Change password"))


class ReauthForm(FlaskForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField(_l("Continue"))


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language of the platform"),
        choices=language_choices,
        validators=[InputRequired()],
        description=_l("Pages, messages and, where a translation exists, the course itself."),
    )
    submit = SubmitField(_l("Save"))


class ProfileFields(FlaskForm):
    """The details a person could give themselves, on their profile or an administrator's form;
    checked again by :func:`training.fields.check_profile`."""

    name = StringField(_l("Full name"), validators=[DataRequired(_l("Enter a name.")), *NAME_RULES])
    organisation = StringField(_l("Organisation or ministry"), validators=[Optional(), *ORGANISATION_RULES])
    country = SelectField(_l("Country"), choices=country_choices, validators=[Optional()])


class ProfileForm(ProfileFields):
    """The person's own profile page."""

    language = SelectField(
        _l("Language of the platform"),
        choices=language_choices,
        validators=[InputRequired()],
        description=_l("Pages, messages and, where a translation exists, the course itself."),
    )
    time_zone = SelectField(
        _l("Time zone"),
        choices=time_zone_choices,
        validators=[Optional()],
        description=_l("Dates and times are shown in it, for example Africa/Nairobi."),
    )
    reminders = BooleanField(
        _l("Email me reminders"),
        description=_l("A nudge when you have not studied for a while, and before your group ends."),
    )
    digest = BooleanField(
        _l("Email me a weekly digest of my groups"),
        description=_l("For trainers: who completed and who is behind."),
    )
    submit = SubmitField(_l("Save your profile"))

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:  # learners get no digest: no box, and nothing changes it
            del self.digest

    def subscriptions(self) -> dict[str, bool]:
        """The kinds of reminder the person wants (``reminder``, ``digest``), as ticked."""
        wanted = {"reminder": bool(self.reminders.data)}
        if "digest" in self:
            wanted["digest"] = bool(self.digest.data)
        return wanted


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token: sign out, mark as read, start a quiz."""


class ProfileMfaForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(_l("Enter the 6-digit code.")), Length(max=10)],
        render_kw=CODE_INPUT,
    )
    submit = SubmitField(_l("Turn on two-step sign-in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=MAX_EMAIL_LENGTH)],
        description=_l("The address of your account."),
    )
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    """Choosing a password through a link: a reset, or accepting an invitation."""

    password = PasswordField(
        _l("New password"),
        validators=[_valid_new_password],
        description=_l("At least 8 characters. A short sentence works well."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[EqualTo("password", _l("The two passwords are not the same."))]
    )
    submit = SubmitField(_l("Save my password"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        validators=[DataRequired(_l("Enter the new address.")), valid_email, Length(max=MAX_EMAIL_LENGTH)],
    )
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_PASSWORD_LENGTH)],
        description=_l("To show it is you."),
    )
    submit = SubmitField(_l("Send a confirmation link"))
