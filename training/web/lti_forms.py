"""Forms of the LTI pages: registering a platform, choosing what to place in an LMS course."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..content.model import Catalogue

URL_HINT = "From the platform's tool settings, e.g. https://moodle.example.org/mod/lti/..."


class PlatformForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the platform's name."), Length(max=120)])
    issuer = StringField(
        "Issuer (platform ID)",
        validators=[DataRequired("Copy the platform ID."), Length(max=255)],
        description="Moodle shows it as “Platform ID”, e.g. https://moodle.example.org",
    )
    client_id = StringField("Client ID", validators=[DataRequired("Copy the client ID."), Length(max=255)])
    auth_login_url = StringField(
        "Authentication request URL",
        validators=[DataRequired("Copy the address."), Length(max=500)],
        description=URL_HINT,
    )
    auth_token_url = StringField(
        "Access token URL", validators=[DataRequired("Copy the address."), Length(max=500)], description=URL_HINT
    )
    key_set_url = StringField(
        "Public keyset URL", validators=[DataRequired("Copy the address."), Length(max=500)], description=URL_HINT
    )
    deployment_ids = TextAreaField(
        "Deployment IDs",
        validators=[DataRequired("Add at least one deployment ID.")],
        description="One per line. Moodle shows it as “Deployment ID”, e.g. 1.",
    )
    token_audience = StringField(
        "Token audience (only if the platform asks for one)", validators=[Optional(), Length(max=500)]
    )

    def deployments(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in (self.deployment_ids.data or "").splitlines() if line.strip())


class DeepLinkForm(FlaskForm):
    """The whole course or units: checkboxes when the LMS accepts several links, else one choice."""

    items = SelectMultipleField(
        "What to add to your course",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired("Choose at least one.")],
    )
    item = RadioField("What to add to your course", validators=[DataRequired("Choose one.")])

    @classmethod
    def for_catalogue(cls, catalogue: Catalogue, multiple: bool) -> DeepLinkForm:
        form = cls()
        choices = [("course", f"The whole course: {catalogue.guide.title}")] + [
            (unit.id, f"Unit {unit.order}: {unit.title}") for unit in catalogue.units
        ]
        form.items.choices = choices
        form.item.choices = choices
        form.multiple = multiple
        if multiple:
            del form.item
        else:
            del form.items
        return form

    def chosen(self) -> list[str]:
        return list(self.items.data) if self.multiple else [self.item.data]
