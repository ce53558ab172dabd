"""``course.yaml``: the course as a whole: its name, how the interface shows it, who issues
its certificates and whom learners write to.

The file is optional: without it the course's name and issuer are the trainer's guide title
and publisher, its mark the name's initials, and the platform's colours stand. A translation
(``course.fr.yaml``) carries the words only (the name, footer, summary, audience, the issuer's
name, the signatory's title) and the ``source_version`` it translates; everything else comes
from the source. Every problem is reported as ``path:line: message``; an unknown field is
refused with the known field it most resembles.

    id: overview-of-international-migration   # stable: names the badge's achievement
    name: Overview of International Migration
    mark: IM                                   # optional, 1 to 3 characters
    footer: A training platform for migration policy officials and trainers.
    summary: What the course is, in a sentence or two (the home page).
    audience: Who it is for (the home page).
    contact: training@example.org              # optional: shown on sign-in, error and quiz pages
    colours:                                   # optional, each checked for contrast (WCAG AA)
      main: "#0b4f8a"
      dark: "#083a66"
      accent: "#b84a12"
    issuer:
      name: Migration training programme
      url: https://training.example.org        # optional
      logo: certificate-logo.png               # optional, a file in the course folder
    signatory:
      name: A. Person                          # optional
      title: Programme coordinator
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from . import colours as colour_rules
from .errors import ContentError, did_you_mean
from .frontmatter import FrontMatterError, Meta, load_yaml, refuse_unknown_fields
from .model import CourseSettings
from .quizfile import ID_PATTERN

COURSE_FILE = "course.yaml"
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".svg")
LOGO_MAX_BYTES = 512 * 1024
MAX_TEXT = 200
MAX_MARK = 3
FIELDS = ("id", "name", "mark", "footer", "summary", "audience", "contact", "colours", "issuer", "signatory")
WORDS = ("name", "footer", "summary", "audience")
"""The fields a translation carries (besides the issuer's name and signatory's title)."""
SECTION_FIELDS = {"issuer": ("name", "url", "logo"), "signatory": ("name", "title")}
LONG_TEXT = 400
"""The summary and audience: a sentence or two each."""


def _mapping(text: str, path: Path, errors: list[ContentError]) -> Meta | None:
    try:
        meta = load_yaml(text, path)
    except FrontMatterError as exc:
        errors.append(exc.error)
        return None
    if not isinstance(meta, Meta):
        errors.append(ContentError(path, 1, f"{path.name} must be a mapping of fields"))
        return None
    return meta


def _section(meta: Meta, key: str, path: Path, errors: list[ContentError]) -> Meta:
    value = meta.get(key)
    if value is None:
        empty = Meta()
        empty.line, empty.key_lines = meta.line_of(key), {}
        return empty
    if not isinstance(value, Meta):
        errors.append(ContentError(path, meta.line_of(key), f"'{key}' must be a mapping of fields"))
        empty = Meta()
        empty.line, empty.key_lines = meta.line_of(key), {}
        return empty
    return value


def _text(
    meta: Meta,
    key: str,
    path: Path,
    errors: list[ContentError],
    where: str = "",
    required: bool = False,
    limit: int = MAX_TEXT,
) -> str:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            errors.append(ContentError(path, meta.line_of(key), f"{where}'{key}' is required"))
        return ""
    if not isinstance(value, str) or "\n" in value.strip():
        errors.append(ContentError(path, meta.line_of(key), f"{where}'{key}' must be one line of text"))
        return ""
    if len(value) > limit:
        errors.append(ContentError(path, meta.line_of(key), f"{where}'{key}' is longer than {limit} characters"))
        return ""
    return value.strip()


def parse_course_file(
    text: str, path: Path, content_dir: Path, language: str, errors: list[ContentError]
) -> CourseSettings | None:
    """The settings in a source ``course.yaml``, or None with the problems in ``errors``."""
    before = len(errors)
    meta = _mapping(text, path, errors)
    if meta is None:
        return None
    refuse_unknown_fields(meta, FIELDS, path, errors)
    course_id = _text(meta, "id", path, errors, required=True)
    if course_id and not ID_PATTERN.match(course_id):
        errors.append(ContentError(path, meta.line_of("id"), "'id' must use lowercase letters, digits and hyphens"))
    name = _text(meta, "name", path, errors, required=True)
    mark = _text(meta, "mark", path, errors)
    if len(mark) > MAX_MARK:
        errors.append(ContentError(path, meta.line_of("mark"), f"'mark' is at most {MAX_MARK} characters, like IM"))
    footer = _text(meta, "footer", path, errors)
    summary = _text(meta, "summary", path, errors, limit=LONG_TEXT)
    audience = _text(meta, "audience", path, errors, limit=LONG_TEXT)
    contact = _contact(_text(meta, "contact", path, errors), meta.line_of("contact"), path, errors)
    colours = _colours(meta, path, errors)
    issuer = _section(meta, "issuer", path, errors)
    refuse_unknown_fields(issuer, SECTION_FIELDS["issuer"], path, errors, "issuer: ")
    issuer_name = _text(issuer, "name", path, errors, "issuer: ", required=True)
    url = _text(issuer, "url", path, errors, "issuer: ")
    if url and not url.startswith("https://"):
        errors.append(ContentError(path, issuer.line_of("url"), "issuer: 'url' must start with https://"))
    logo = _logo(_text(issuer, "logo", path, errors, "issuer: "), issuer.line_of("logo"), path, content_dir, errors)
    signatory = _section(meta, "signatory", path, errors)
    refuse_unknown_fields(signatory, SECTION_FIELDS["signatory"], path, errors, "signatory: ")
    signatory_name = _text(signatory, "name", path, errors, "signatory: ")
    signatory_title = _text(signatory, "title", path, errors, "signatory: ")
    if signatory_name and not signatory_title:
        errors.append(ContentError(path, signatory.line_of("name"), "signatory: a 'title' goes with the 'name'"))
    if len(errors) > before:
        return None
    return CourseSettings(
        course_id,
        name,
        issuer_name,
        url,
        signatory_name,
        signatory_title,
        logo,
        language,
        mark=mark,
        footer=footer,
        summary=summary,
        audience=audience,
        contact=contact,
        colours=colours,
    )


def _contact(value: str, line: int, path: Path, errors: list[ContentError]) -> str:
    if not value:
        return ""
    try:
        return str(validate_email(value, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        errors.append(ContentError(path, line, f"'contact' must be an email address ({exc})"))
        return ""


def _colours(meta: Meta, path: Path, errors: list[ContentError]) -> dict[str, str]:
    if "colours" not in meta:
        return {}
    section = _section(meta, "colours", path, errors)
    refuse_unknown_fields(section, colour_rules.ROLES, path, errors, "colours: ")
    parsed: dict[str, str] = {}
    for role in colour_rules.ROLES:
        value = section.get(role)
        if value is None:
            continue
        colour = colour_rules.parse(value) if isinstance(value, str) else None
        if colour is None:
            errors.append(
                ContentError(
                    path,
                    section.line_of(role),
                    f'colours: {role!r} must be an opaque CSS colour, like "#0b4f8a" (quoted: # starts a comment)',
                )
            )
            continue
        parsed[role] = colour
    for role, colour in parsed.items():
        problem = colour_rules.contrast_problem(role, colour, parsed)
        if problem:
            errors.append(ContentError(path, section.line_of(role), problem))
    return parsed


def _logo(value: str, line: int, path: Path, content_dir: Path, errors: list[ContentError]) -> Path | None:
    if not value:
        return None
    logo = (content_dir / value).resolve()
    if not logo.is_relative_to(content_dir.resolve()):
        errors.append(ContentError(path, line, "issuer: 'logo' must be a file inside the course folder"))
        return None
    if logo.suffix.lower() not in LOGO_TYPES:
        errors.append(ContentError(path, line, f"issuer: 'logo' must be one of {', '.join(LOGO_TYPES)}"))
        return None
    if not logo.is_file():
        errors.append(ContentError(path, line, f"issuer: logo file {value!r} not found"))
        return None
    if logo.stat().st_size > LOGO_MAX_BYTES:
        errors.append(ContentError(path, line, f"issuer: logo file is larger than {LOGO_MAX_BYTES // 1024} KB"))
        return None
    return logo


def translate_course_file(
    source: CourseSettings, text: str, path: Path, language: str, errors: list[ContentError], check: object
) -> CourseSettings | None:
    """The settings in ``language`` from a translation file, checked by ``check`` (the
    translation checker of :mod:`training.content.translation`)."""
    from .translation import _Check

    assert isinstance(check, _Check)
    meta = _mapping(text, path, errors)
    if meta is None:
        return None
    before = len(errors)
    check.meta = meta
    check.same("id", source.id)
    for key in meta:
        if key in FIELDS and key not in (*WORDS, "id", "issuer", "signatory"):
            check.error(meta.line_of(str(key)), f"'{key}' comes from {COURSE_FILE}; leave it out of a translation")
        elif key not in (*FIELDS, "source_version"):
            check.error(
                meta.line_of(str(key)),
                f"unknown field {key!r}{did_you_mean(str(key), (*WORDS, 'issuer', 'signatory', 'source_version'))}",
            )
    name = check.text("name", source.name)

    def word(key: str, value: str) -> str:
        """A translated sentence, or the source's where the translation leaves it out."""
        return (check.text(key, value, required=False) or value) if value else ""

    footer, summary, audience = (word(key, getattr(source, key)) for key in WORDS[1:])
    issuer = _section(meta, "issuer", path, errors)
    for key in ("url", "logo"):
        if key in issuer:
            check.error(issuer.line_of(key), f"issuer: '{key}' comes from {COURSE_FILE}; leave it out of a translation")
    issuer_name = check.text("name", source.issuer_name, issuer, "issuer: ", required=False) or source.issuer_name
    signatory = _section(meta, "signatory", path, errors)
    if "name" in signatory:
        check.error(signatory.line_of("name"), f"signatory: 'name' comes from {COURSE_FILE}; leave it out")
    title = source.signatory_title
    if source.signatory_title:
        title = check.text("title", source.signatory_title, signatory, "signatory: ", required=False) or title
    check.stamp()
    if len(errors) > before:
        return None
    return replace(
        source,
        name=name,
        issuer_name=issuer_name,
        signatory_title=title,
        language=language,
        footer=footer,
        summary=summary,
        audience=audience,
    )
