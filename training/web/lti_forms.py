"""Forms of the LTI pages: registering a platform, choosing what to place in an LMS course."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..content.model import Catalogue, GuideParts, Unit
from ..i18n import lazy_gettext as _l

URL_HINT = _l("From the platform’s tool settings, e.g. https://moodle.example.org/mod/lti/...")
COPY_ADDRESS = _l("Copy the address.")


class PlatformForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the platform’s name.")), Length(max=120)])
    issuer = StringField(
        _l("Issuer (platform ID)"),
        validators=[DataRequired(_l("Copy the platform ID.")), Length(max=255)],
        description=_l("Moodle shows it as “Platform ID”, e.g. https://moodle.example.org"),
    )
    client_id = StringField(_l("Client ID"), validators=[DataRequired(_l("Copy the client ID.")), Length(max=255)])
    auth_login_url = StringField(
        _l("Authentication request URL"), validators=[DataRequired(COPY_ADDRESS), Length(max=500)], description=URL_HINT
    )
    auth_token_url = StringField(
        _l("Access token URL"), validators=[DataRequired(COPY_ADDRESS), Length(max=500)], description=URL_HINT
    )
    key_set_url = StringField(
        _l("Public keyset URL"), validators=[DataRequired(COPY_ADDRESS), Length(max=500)], description=URL_HINT
    )
    deployment_ids = TextAreaField(
        _l("Deployment IDs"),
        validators=[DataRequired(_l("Add at least one deployment ID."))],
        description=_l("One per line. Moodle shows it as “Deployment ID”, e.g. 1."),
    )
    token_audience = StringField(
        _l("Token audience (only if the platform asks for one)"), validators=[Optional(), Length(max=500)]
    )

    def deployments(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in (self.deployment_ids.data or "").splitlines() if line.strip())


COURSE = "course"
"""The whole course's choice (the others are unit ids)."""


class DeepLinkForm(FlaskForm):
    """The whole course or units: checkboxes when the LMS accepts several links, else one choice."""

    items = SelectMultipleField(
        _l("What to add to your course"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one."))],
    )
    item = RadioField(_l("What to add to your course"), validators=[DataRequired(_l("Choose one."))])
    multiple: bool = True
    course_choice = COURSE
    sources: dict[str, GuideParts | Unit]
    """What each choice adds: the page labels it, each title in the course's own language."""

    @classmethod
    def for_catalogue(cls, catalogue: Catalogue, multiple: bool) -> DeepLinkForm:
        form = cls()
        form.sources = {COURSE: catalogue.guide, **{unit.id: unit for unit in catalogue.units}}
        form.items.choices = form.item.choices = list(form.sources)
        form.multiple = multiple
        if multiple:
            del form.item
        else:
            del form.items
        return form

    def chosen(self) -> list[str]:
        return list(self.items.data) if self.multiple else [self.item.data]
