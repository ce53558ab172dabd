"""A SCORM 1.2 package of chosen units, for an LMS that cannot use the platform directly.

Each unit becomes one SCO (sharable content object): a page that shows the unit's lessons one
at a time and then its quiz, scored inside the package. The SCO reports through the SCORM 1.2
runtime API: ``cmi.core.lesson_status`` (``incomplete`` until every lesson is read and the
quiz passed, then ``passed``; ``failed`` after a failed quiz), ``cmi.core.score.raw`` (percent,
with ``min`` 0 and ``max`` 100), where the learner stopped and which lessons are read.

Scoring inside the package means **the answer key travels with it**: anyone who opens the
files can read the correct answers. The platform itself never sends the key to a browser;
``training export scorm`` says so when it writes a package.

The package holds ``imsmanifest.xml`` (with the elements SCORM 1.2 requires: the manifest's
identifier and version, ``metadata`` with ``schema`` and ``schemaversion``, a default
``organization`` whose ``item`` elements point at ``resource`` elements of
``adlcp:scormtype="sco"``, each listing its files) and, at its root, the schema files the
manifest names. Nothing here imports Flask or the database.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, select_autoescape

from ..content.model import Catalogue, QuestionType, Quiz, Unit
from ..content.questions.numeric import read_range
from ..content.quizfile import FALLBACK
from ..quiz import Paper, normalise_text, public_view
from ..translatable import N_

FILES = "scorm_files"
SCHEMAS = ("imscp_rootv1p1p2.xsd", "adlcp_rootv1p2.xsd", "imsmd_rootv1p2p1.xsd", "ims_xml.xsd")
COMMON = ("common/sco.js", "common/sco.css")
FIXED_TIME = (2020, 1, 1, 0, 0, 0)
"""Every file in the zip gets this time, so the same content always gives the same bytes."""
DISPLAY_SEED = 0
"""Orders options in the package the way the platform orders them for attempt seed 0."""
ANSWER_KEY_WARNING = (
    "The quiz is scored inside the package, so its answer key travels with it: anyone who "
    "opens the package's files can read the correct answers. Use the platform itself (or LTI) "
    "where quiz results must be trusted."
)

# The package's own interface text: marked for the message catalogue, translated into the
# package's language by the translations the caller passes (``training.i18n.translations_for``).
STRINGS: dict[str, str] = {
    "contents": N_("In this unit"),
    "lesson": N_("Lesson"),
    "quiz": N_("Quiz"),
    "mark_read": N_("Mark as read and continue"),
    "mark_read_quiz": N_("Mark as read and go to the quiz"),
    "read": N_("Read"),
    "not_read": N_("Not read yet"),
    "questions_mark": N_("%(count)s questions · pass mark %(mark)s%%"),
    "choose_one": N_("Choose one answer."),
    "choose_all": N_("Choose all that apply."),
    "your_answer": N_("Your answer (a word or a short phrase)"),
    "your_number": N_("Your answer (a number)"),
    "number_hint": N_("Digits only, for example 1822 or 3.5; no units."),
    "choose": N_("Choose…"),
    "position": N_("Position…"),
    "order_hint": N_("Give each item its position, from 1 (first) to %(n)s (last)."),
    "match_hint": N_("For each item, choose the matching answer."),
    "submit": N_("Submit my answers"),
    "retry": N_("Try the quiz again"),
    "score": N_("Your score: %(percent)s%%."),
    "passed": N_("You passed (pass mark %(mark)s%%)."),
    "failed": N_("Not passed yet: the pass mark is %(mark)s%%. Read the feedback and try again."),
    "unread": N_("Read every lesson too: %(n)s still to read."),
    "complete": N_("This unit is complete."),
    "correct": N_("Correct"),
    "incorrect": N_("Not correct"),
    "explanation": N_("Explanation"),
    "no_lms": N_("No learning management system was found: you can read and practise, but nothing is recorded."),
    "duration": N_("%(minutes)s min"),
}


class _Gettext(Protocol):
    def gettext(self, message: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Package:
    data: bytes
    """The zip file."""
    files: tuple[str, ...]
    units: tuple[str, ...]


class ExportError(ValueError):
    """The package cannot be built as asked (an unknown unit or language); safe to show."""


def languages(catalogue: Catalogue) -> tuple[str, ...]:
    """The languages a package can be built in: the course's, the source's first. Where a
    lesson or quiz is not translated, the package carries the source's text, as the site does."""
    return catalogue.languages


def build_package(
    catalogue: Catalogue,
    unit_ids: Sequence[str] | None = None,
    language: str | None = None,
    translations: _Gettext | None = None,
) -> Package:
    """The SCORM 1.2 package of ``unit_ids`` (default: every unit, in course order), its own
    text translated by ``translations`` (English without)."""
    language = language or catalogue.source_language
    if language not in languages(catalogue):
        raise ExportError(f"no content in language {language!r} (available: {', '.join(languages(catalogue))})")
    catalogue = catalogue.in_language(language)
    units = _units(catalogue, unit_ids)
    strings = {key: translations.gettext(text) if translations else text for key, text in STRINGS.items()}
    files: dict[str, bytes] = {}
    for unit in units:
        quiz = catalogue.quiz_for_unit(unit.id)
        files[unit_path(unit)] = render_unit(unit, quiz, language, strings).encode("utf-8")
    for name in COMMON:
        files[name] = _read(name.removeprefix("common/"))
    for name in SCHEMAS:
        files[name] = _read(name)
    files["imsmanifest.xml"] = manifest(catalogue, units, language).encode("utf-8")
    return Package(_zip(files), tuple(sorted(files)), tuple(u.id for u in units))


def _units(catalogue: Catalogue, unit_ids: Sequence[str] | None) -> tuple[Unit, ...]:
    if not unit_ids:
        return catalogue.units
    known = {u.id for u in catalogue.units}
    unknown = [u for u in unit_ids if u not in known]
    if unknown:
        raise ExportError(f"no unit {', '.join(unknown)} (units: {', '.join(u.id for u in catalogue.units)})")
    wanted = set(unit_ids)
    return tuple(u for u in catalogue.units if u.id in wanted)


def unit_path(unit: Unit) -> str:
    return f"units/{unit.id}/index.html"


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath(FILES, name).read_bytes()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ["imsmanifest.xml", *sorted(n for n in files if n != "imsmanifest.xml")]:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader(__package__, FILES),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def manifest(catalogue: Catalogue, units: Iterable[Unit], language: str) -> str:
    """``imsmanifest.xml``: identifiers come from the course's stable ids and content version,
    so re-importing an updated package is recognised as the same course."""
    units = tuple(units)
    return (
        _environment()
        .get_template("imsmanifest.xml")
        .render(
            identifier=_identifier("MANIFEST", catalogue.guide.title, language, *(u.id for u in units)),
            version=catalogue.version[:12],
            title=catalogue.guide.title,
            language=language,
            units=[
                {
                    "item": _identifier("ITEM", u.id),
                    "resource": _identifier("RES", u.id),
                    "title": u.title,
                    "href": unit_path(u),
                    "mastery": (catalogue.quiz_for_unit(u.id) or _NoQuiz).pass_mark,
                    "has_quiz": u.quiz_id is not None,
                }
                for u in units
            ],
            common=COMMON,
            schemas=SCHEMAS,
        )
    )


class _NoQuiz:
    pass_mark = None


def _identifier(prefix: str, *parts: str) -> str:
    """An XML ``ID``: letters, digits, ``-``, ``_`` and ``.``, starting with a letter."""
    text = "-".join(parts)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in text)
    return f"{prefix}-{safe}"


def render_unit(unit: Unit, quiz: Quiz | None, language: str, strings: dict[str, str]) -> str:
    """The unit's SCO page: lessons, then the quiz with its key and feedback. The HTML of
    lessons, questions and feedback was sanitised when the catalogue was built, so the
    template marks it safe, as the platform's own templates do."""
    questions = public_view(quiz, Paper.printed(DISPLAY_SEED)) if quiz else ()
    return (
        _environment()
        .get_template("unit.html")
        .render(
            unit=unit,
            lessons=unit.lessons,
            quiz=quiz,
            questions=questions,
            questions_by_id={q.id: q for q in quiz.questions} if quiz else {},
            key=_script_json(answer_key(quiz) if quiz else None),
            language=language,
            t=strings,
        )
    )


def _script_json(value: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` characters left."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def answer_key(quiz: Quiz) -> dict[str, Any]:
    """What the package's script needs to score the quiz exactly as :func:`training.quiz.grade`
    does: per question its type, points and the key (option ids, accepted answers already
    normalised by :func:`training.quiz.normalise_text`, numeric ranges, pairs, order)."""
    questions = []
    for q in quiz.questions:
        entry: dict[str, Any] = {"id": q.id, "type": q.type.value, "points": q.points}
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE):
            entry["correct"] = [o.id for o in q.options if o.correct]
            entry["options"] = [o.id for o in q.options]
        elif q.type == QuestionType.SHORT:
            accepted = [o for o in q.options if o.text != FALLBACK]
            entry["answers"] = [{"id": o.id, "text": normalise_text(o.text), "correct": o.correct} for o in accepted]
            fallback = next((o for o in q.options if o.text == FALLBACK), None)
            entry["fallback"] = {"id": fallback.id, "correct": fallback.correct} if fallback else None
            # Accepted in another language of the course: graded as the question's right answer.
            entry["alsoAccepted"] = [normalise_text(text) for text in q.also_accepted]
            entry["firstCorrect"] = next((o.id for o in q.options if o.correct), None)
        elif q.type == QuestionType.NUMERIC:
            # Each answer's range as the server reads it (read_range); the script reads the
            # typed number as read_number does and takes the first range that holds it.
            entry["ranges"] = [
                {"id": o.id, "low": bounds[0], "high": bounds[1], "correct": o.correct}
                for o in q.options
                if o.text != FALLBACK and (bounds := read_range(o.text)) is not None
            ]
            fallback = next((o for o in q.options if o.text == FALLBACK), None)
            entry["fallback"] = {"id": fallback.id, "correct": fallback.correct} if fallback else None
        elif q.type == QuestionType.MATCHING:
            entry["pairs"] = {o.id: o.match_id for o in q.options}
        elif q.type == QuestionType.ORDERING:
            entry["order"] = [o.id for o in q.options]
        questions.append(entry)
    return {"quiz": quiz.id, "passMark": quiz.pass_mark, "questions": questions}
