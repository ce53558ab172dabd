"""``course.yaml``: the course as a whole, its name and who issues its certificates.

The file is optional: without it the course's name and issuer are the trainer's guide title
and publisher. A translation (``course.fr.yaml``) carries the words only (the name, the
issuer's name, the signatory's title) and the ``source_version`` it translates; everything
else comes from the source. Every problem is reported as ``path:line: message``.

    id: overview-of-international-migration   # stable: names the badge's achievement
    name: Overview of International Migration
    issuer:
      name: Migration training programme
      url: https://training.example.org        # optional
      logo: certificate-logo.png               # optional, a file in the course folder
    signatory:
      name: A. Person                          # optional
      title: Programme coordinator
"""

from __future__ import annotations

from pathlib import Path

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, load_yaml
from .model import CourseSettings
from .quizfile import ID_PATTERN

COURSE_FILE = "course.yaml"
LOGO_TYPES = (".png", ".jpg", ".jpeg", ".svg")
LOGO_MAX_BYTES = 512 * 1024
MAX_TEXT = 200


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


def _text(meta: Meta, key: str, path: Path, errors: list[ContentError], where: str = "", required: bool = False) -> str:
    value = meta.get(key)
    if value is None or value == "":
        if required:
            errors.append(ContentError(path, meta.line_of(key), f"{where}'{key}' is required"))
        return ""
    if not isinstance(value, str) or "\n" in value.strip():
        errors.append(ContentError(path, meta.line_of(key), f"{where}'{key}' must be one line of text"))
        return ""
    if len(value) > MAX_TEXT:
        errors.append(ContentError(path, meta.line_of(key), f"{where}'{key}' is longer than {MAX_TEXT} characters"))
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
    known = {"id", "name", "issuer", "signatory"}
    for key in meta:
        if key not in known:
            errors.append(
                ContentError(path, meta.line_of(str(key)), f"unknown field {key!r} (known: {', '.join(sorted(known))})")
            )
    course_id = _text(meta, "id", path, errors, required=True)
    if course_id and not ID_PATTERN.match(course_id):
        errors.append(ContentError(path, meta.line_of("id"), "'id' must use lowercase letters, digits and hyphens"))
    name = _text(meta, "name", path, errors, required=True)
    issuer = _section(meta, "issuer", path, errors)
    issuer_name = _text(issuer, "name", path, errors, "issuer: ", required=True)
    url = _text(issuer, "url", path, errors, "issuer: ")
    if url and not url.startswith("https://"):
        errors.append(ContentError(path, issuer.line_of("url"), "issuer: 'url' must start with https://"))
    logo = _logo(_text(issuer, "logo", path, errors, "issuer: "), issuer.line_of("logo"), path, content_dir, errors)
    signatory = _section(meta, "signatory", path, errors)
    signatory_name = _text(signatory, "name", path, errors, "signatory: ")
    signatory_title = _text(signatory, "title", path, errors, "signatory: ")
    if signatory_name and not signatory_title:
        errors.append(ContentError(path, signatory.line_of("name"), "signatory: a 'title' goes with the 'name'"))
    if len(errors) > before:
        return None
    return CourseSettings(course_id, name, issuer_name, url, signatory_name, signatory_title, logo, language)


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
        if key not in {"id", "name", "issuer", "signatory", "source_version"}:
            check.error(meta.line_of(str(key)), f"unknown field {key!r}")
    name = check.text("name", source.name)
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
    return CourseSettings(
        source.id, name, issuer_name, source.issuer_url, source.signatory_name, title, source.logo, language
    )
