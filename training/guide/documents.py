"""The printed documents as data for the typesetter: the trainer's guide, a unit's learner
handout, its participant handouts and its paper quiz (question sheet or answer key).

Each ``*_document`` function returns plain values (text already formatted, content as trees
from :mod:`training.guide.tree`) that a template in ``trainer_guide/templates/typst`` lays
out. What is trainer-only is decided here: the guide gets every trainer block, the session
plan, key messages, materials and the answer key, each marked ``trainer_only``; the learner
handout is made from learner HTML only, which never contains any of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..content.images import URL_PREFIX
from ..content.model import BlockKind, Catalogue, QuestionType, Unit
from .labels import label
from .plan import Agenda, Pause, PauseKind, Slot, format_clock
from .render import format_edition, format_minutes
from .terms import glossary, references
from .tree import at_most, drop_dangling_links, html_tree, ids, image_sources
from .views import (
    Anchors,
    BlockView,
    LessonView,
    QuizView,
    blocks,
    describe_step,
    fragment,
    learner_lessons,
    quiz_view,
    unit_view,
)

Data = dict[str, Any]


def _tree(html: str) -> list[Any]:
    return html_tree(html)


def _inline(html: str) -> list[Any]:
    """A one-paragraph fragment as inline content (an option, feedback, an explanation)."""
    tree = html_tree(html)
    if len(tree) == 1 and isinstance(tree[0], list) and tree[0][0] == "p" and not tree[0][1]:
        return tree[0][2]
    return tree


def _finish(data: Data, catalogue: Catalogue) -> Data:
    """Links to anchors the document does not hold become plain text; the images the document
    shows come with it as ``images`` (served URL -> the file's bytes as a list of numbers: the
    typesetter reads data, never files outside its templates, and JSON has no bytes)."""
    data = drop_dangling_links(data, ids(data))
    images = {}
    for src in image_sources(data):
        image = catalogue.images.get(src.removeprefix(URL_PREFIX))
        if image is not None:
            images[src] = list(image.path.read_bytes())
    return {**data, "images": images}


def _metadata(catalogue: Catalogue, title: str, footer: str, kind: str) -> Data:
    guide = catalogue.guide
    return {
        "title": title,
        "author": guide.publisher or guide.title,
        "footer": footer,
        "doc_kind": kind,
        "edition": guide.edition,
    }


def _footer(catalogue: Catalogue, *, version: bool = True) -> str:
    guide = catalogue.guide
    key = "footer" if version else "footer_short"
    return label(
        key, title=guide.title, edition=format_edition(guide.edition, catalogue.language), version=catalogue.version
    )


def _days(count: int) -> str:
    return label("one_day") if count == 1 else label("days", count=count)


def _step(unit: Unit, step, link: bool = True) -> Data:
    label = describe_step(unit, step)
    return {"text": label.text, "href": label.anchor if link and label.anchor else None}


def _pause_text(pause: Pause, with_minutes: bool) -> str:
    name = label("lunch") if pause.kind == PauseKind.LUNCH else label("break")
    return label("pause_minutes", pause=name, minutes=pause.minutes) if with_minutes else name


def _schedule_rows(unit: Unit, schedule: Sequence[Any]) -> list[Data]:
    """A unit's session plan: day headers, steps with clock times, pauses, unplaced steps."""
    rows: list[Data] = []
    day = None
    for entry in schedule:
        if isinstance(entry, Slot | Pause) and entry.day != day:
            day = entry.day
            rows.append({"kind": "day", "text": label("day", number=day)})
        if isinstance(entry, Pause):
            rows.append(
                {
                    "kind": "pause",
                    "time": f"{format_clock(entry.start)}–{format_clock(entry.end)}",
                    "text": _pause_text(entry, True),
                }
            )
            continue
        scheduled = isinstance(entry, Slot)
        rows.append(
            {
                "kind": "step" if scheduled else "unscheduled",
                "time": f"{format_clock(entry.start)}–{format_clock(entry.end)}"
                if scheduled
                else label("not_scheduled"),
                "minutes": label("minutes", minutes=entry.step.minutes),
                "step": _step(unit, entry.step),
                "method": entry.step.method,
                "materials": entry.step.materials or "—",
            }
        )
    return rows


def _agenda(catalogue: Catalogue, agenda: Agenda, units: Sequence[Unit]) -> Data:
    o = agenda.options
    day_count = len(agenda.days)
    summary = label(
        "agenda_summary",
        days=_days(day_count),
        start=format_clock(o.day_start),
        end=format_clock(o.day_end),
        hours=f"{o.hours_per_day:g}",
        lunch=label("agenda_lunch", minutes=o.lunch_minutes) if o.has_lunch else "",
        breaks=o.break_minutes,
        session=o.session_minutes,
        online=label("quizzes_online") if o.quizzes_online else "",
    )
    days = []
    for day in agenda.days:
        rows = []
        for entry in day.entries:
            times = f"{format_clock(entry.start)}–{format_clock(entry.end)}"
            if isinstance(entry, Slot):
                unit = catalogue.unit(entry.unit_id)
                rows.append(
                    {
                        "kind": "step",
                        "time": times,
                        "unit": str(entry.unit_order),
                        "step": _step(unit, entry.step),
                        "method": entry.step.method,
                    }
                )
            else:
                rows.append({"kind": "pause", "time": times, "text": _pause_text(entry, False)})
        days.append(
            {
                "anchor": f"agenda-day-{day.number}",
                "title": label("day", number=day.number),
                "times": f"{format_clock(day.start)}–{format_clock(day.finish)}",
                "rows": rows,
            }
        )
    return {
        "summary": summary,
        "units": label("agenda_units", units="; ".join(f"{u.order}. {u.title}" for u in units)),
        "fits": agenda.fits,
        "fits_text": label("fits_detail", minutes=format_minutes(agenda.teaching_minutes), days=_days(day_count)),
        "over_text": label("does_not_fit", minutes=format_minutes(agenda.over_by)),
        "unplaced": [
            label("unplaced_step", order=p.unit_order, title=p.step.title, minutes=p.step.minutes)
            for p in agenda.unplaced
        ],
        "suggestions": [s.text for s in agenda.suggestions],
        "overview": [
            {
                "day": label("day", number=day.number),
                "anchor": f"agenda-day-{day.number}",
                "hours": f"{format_clock(day.start)}–{format_clock(day.finish)}",
                "units": ", ".join(str(n) for n in day.unit_orders),
                "minutes": format_minutes(day.teaching_minutes),
            }
            for day in agenda.days
        ],
        "days": days,
    }


PROMPT_IMAGE_PX = 480
OPTION_IMAGE_PX = 240
"""On paper, a quiz's pictures print at most this wide (1 px = .75 pt): a question with a
picture in each option still fits on one page."""


def _option(html: str) -> list[Any]:
    return at_most(_inline(html), OPTION_IMAGE_PX)


def _quiz(view: QuizView, *, feedback: bool = True) -> Data:
    """A quiz with its key: every question, the options in the sheet's letters, right and
    wrong marked, feedback, the answer and the explanation."""
    questions = []
    for q in view.questions:
        question = q.question
        kind = question.type
        entry: Data = {
            "anchor": f"quiz-{view.unit.id}-{question.id}",
            "label": label("question", number=q.number),
            "points": label("points", points=question.points) if question.points != 1 else "",
            "instruction": q.instruction,
            "kind": kind.value,
            "prompt": at_most(_inline(question.prompt_html), PROMPT_IMAGE_PX),
            "answer": q.key,
            "explanation": _inline(question.explanation_html),
            "lesson": label("taught_in", lesson=q.lesson_title) if q.lesson_title else "",
        }
        if kind in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE):
            entry["options"] = [
                {
                    "letter": c.letter,
                    "correct": c.option.correct,
                    "body": _option(c.option.html),
                    "feedback": _inline(c.option.feedback_html) if feedback else [],
                }
                for c in q.choices
            ]
        elif kind == QuestionType.SHORT:
            entry["options"] = [
                {
                    "letter": "",
                    "correct": o.correct,
                    "body": [
                        label("accepted") if o.correct else ("" if o.text == "*" else label("not_accepted")),
                        *(_option(o.html) if o.text != "*" else [label("any_other_answer")]),
                    ],
                    "feedback": _inline(o.feedback_html) if feedback else [],
                }
                for o in (*q.accepted, *q.rejected)
            ]
        elif kind == QuestionType.MATCHING:
            letters = {c.option.match_id: c.letter for c in q.choices}
            entry["matches"] = [
                {
                    "item": [f"{n}. ", *_option(o.html)],
                    "letter": letters[o.match_id],
                    "match": _option(o.match_html),
                    "feedback": _inline(o.feedback_html) if feedback else [],
                }
                for n, o in enumerate(q.items, start=1)
            ]
            entry["answers"] = [{"letter": c.letter, "body": _option(c.option.match_html)} for c in q.choices]
            entry["items"] = [_option(o.html) for o in q.items]
        elif kind == QuestionType.ORDERING:
            letters = {c.option.id: c.letter for c in q.choices}
            entry["order"] = [
                {
                    "letter": letters[o.id],
                    "body": _option(o.html),
                    "feedback": _inline(o.feedback_html) if feedback else [],
                }
                for o in question.options
            ]
            entry["options"] = [{"letter": c.letter, "body": _option(c.option.html)} for c in q.choices]
        questions.append(entry)
    return {"anchor": f"quiz-{view.unit.id}", "questions": questions}


def _blocks(views: Sequence[BlockView]) -> list[Data]:
    return [
        {"anchor": b.anchor, "label": b.block.label, "minutes": b.block.minutes, "body": _tree(b.html)} for b in views
    ]


def _lesson(view: LessonView, minutes_label: str) -> Data:
    lesson = view.lesson
    objectives = "; ".join(o.rstrip(".") for o in lesson.objectives) + "."
    return {
        "anchor": view.anchor,
        "number": view.number,
        "kicker": label("lesson", number=view.number),
        "title": lesson.title,
        "meta": f"{label(minutes_label, minutes=lesson.duration)} · "
        + label("lesson_objectives", objectives=objectives),
        "body": _tree(view.html),
    }


def _terms(units: Sequence[Unit]) -> list[Data]:
    return [
        {
            "anchor": f"glossary-{entry.anchor}",
            "term": entry.term,
            "definitions": [[d.text, d.where] for d in entry.definitions],
        }
        for entry in glossary(units)
    ]


def guide_document(catalogue: Catalogue, units: Sequence[Unit], agenda: Agenda) -> Data:
    """The trainer's guide for the chosen units and a workshop plan."""
    guide = catalogue.guide
    anchors = Anchors(units)
    whole = len(units) == len(catalogue.units)
    numbers = [str(u.order) for u in units]
    listed = ", ".join(numbers)
    kind = label("trainers_guide")
    title = f"{guide.title}: {guide.subtitle or kind}" + ("" if whole else f" ({label('workshop_edition')})")
    o = agenda.options
    unit_data = []
    for unit in units:
        view = unit_view(catalogue, unit, agenda, anchors)
        quiz = catalogue.quiz_for_unit(unit.id)
        unit_data.append(
            {
                "anchor": view.anchor,
                "order": unit.order,
                "kicker": label("unit", order=unit.order),
                "title": unit.title,
                "running": label("unit_running", order=unit.order, title=unit.title),
                "summary": unit.summary,
                "facts": [
                    [label("workshop"), format_minutes(unit.workshop_minutes)],
                    [label("e_learning"), format_minutes(unit.duration)],
                    [label("lessons"), str(len(unit.lessons))],
                    *(
                        [[label("quiz"), label("quiz_fact", count=len(quiz.questions), mark=quiz.pass_mark)]]
                        if quiz
                        else []
                    ),
                ],
                "objectives": list(unit.objectives),
                "duration_text": label(
                    "duration_text",
                    workshop=format_minutes(unit.workshop_minutes),
                    online=format_minutes(unit.duration),
                ),
                "materials": list(unit.materials),
                "plan": _schedule_rows(unit, view.schedule),
                "key_messages": list(unit.key_messages),
                "intro": _tree(view.intro_html),
                "lessons": [
                    {
                        **_lesson(lesson, "minutes_online"),
                        "key_terms": [[t.term, t.definition] for t in lesson.lesson.key_terms],
                        "sources": [_tree(s) for s in lesson.lesson.sources_html],
                    }
                    for lesson in view.lessons
                ],
                "notes": _blocks(view.notes),
                "discussion": _blocks(view.discussion),
                "activities": [
                    {**b, "title": label("activity_title", label=b["label"])} for b in _blocks(view.activities)
                ],
                "handouts": [
                    {
                        **b,
                        "kicker": label("handout_label", order=unit.order, title=unit.title),
                        "bookmark": label("handout_bookmark", label=b["label"]),
                    }
                    for b in _blocks(view.handouts)
                ],
                "quiz": (
                    {
                        **_quiz(view.quiz),
                        "facts": label(
                            "quiz_facts",
                            title=view.quiz.quiz.title,
                            count=len(view.quiz.questions),
                            mark=view.quiz.quiz.pass_mark,
                            minutes=view.quiz.quiz.duration,
                        ),
                    }
                    if view.quiz
                    else None
                ),
            }
        )
    cited = [(r, "cited_in" if len(r.units) > 1 else "cited_in_one") for r in references(units)]
    return _finish(
        {
            **_metadata(catalogue, title, _footer(catalogue), kind),
            "cover": {
                "publisher": guide.publisher,
                "kicker": guide.subtitle or kind,
                "title": guide.title,
                "scope": label("whole_course", count=len(units))
                if whole
                else label("workshop_units" if len(units) > 1 else "workshop_unit", numbers=listed),
                "facts": [
                    [label("edition"), format_edition(guide.edition, catalogue.language)],
                    [label("content_version"), catalogue.version],
                    [
                        label("workshop"),
                        label(
                            "workshop_days",
                            days=_days(len(agenda.days)),
                            start=format_clock(o.day_start),
                            end=format_clock(o.day_end),
                        ),
                    ],
                ],
                "note": label("cover_note"),
            },
            "pages": [
                {
                    "anchor": f"page-{p.id}",
                    "title": p.title,
                    "body": _tree(fragment(p.html, top=2, prefix=f"page-{p.id}-", anchors=anchors)),
                }
                for p in guide.pages
            ],
            "agenda": _agenda(catalogue, agenda, units),
            "units": unit_data,
            "glossary": {
                "intro": label("glossary_intro_all" if whole else "glossary_intro_some"),
                "terms": _terms(units),
            },
            "references": {
                "intro": label("references_intro_all" if whole else "references_intro_some"),
                "items": [
                    {"body": _tree(r.html), "cited": label(key, units=", ".join(str(n) for n in r.units))}
                    for r, key in cited
                ],
            },
        },
        catalogue,
    )


def handout_document(catalogue: Catalogue, unit: Unit) -> Data:
    """The learner handout of a unit: the overview, each lesson as learners read it online,
    the key terms and the sources. From learner HTML only: no trainer material."""
    guide = catalogue.guide
    anchors = Anchors((unit,))
    title = label("handout_title", order=unit.order, title=unit.title)
    return _finish(
        {
            **_metadata(catalogue, title, _footer(catalogue), label("handout")),
            "unit": {
                "anchor": f"unit-{unit.id}",
                "kicker": f"{guide.title} · {label('unit', order=unit.order)}",
                "title": unit.title,
                "bookmark": label("unit_bookmark", order=unit.order, title=unit.title),
                "running": label("unit_running", order=unit.order, title=unit.title),
                "summary": unit.summary,
                "objectives": list(unit.objectives),
                "intro": _tree(fragment(unit.html, top=3, prefix=f"{unit.id}-intro-", anchors=anchors)),
                "lessons": [_lesson(lesson, "minutes") for lesson in learner_lessons(unit, anchors)],
            },
            "terms": _terms((unit,)),
            "sources": [_tree(r.html) for r in references((unit,))],
        },
        catalogue,
    )


def participant_handouts_document(catalogue: Catalogue, unit: Unit) -> Data:
    """The unit's handout blocks alone, one per page, for photocopying."""
    anchors = Anchors((unit,))
    title = label("participant_handouts_title", order=unit.order, title=unit.title)
    footer = f"{catalogue.guide.title} · {label('unit_bookmark', order=unit.order, title=unit.title)}"
    return _finish(
        {
            **_metadata(catalogue, title, footer, label("handout")),
            "kicker": label("handout_label", order=unit.order, title=unit.title),
            "handouts": _blocks(blocks(unit, BlockKind.HANDOUT, anchors)),
        },
        catalogue,
    )


def quiz_document(catalogue: Catalogue, unit: Unit, *, answer_key: bool) -> Data:
    """The paper quiz of a unit: the question sheet for participants (no marks, feedback or
    explanations), or its answer key for the trainer, with the same letters."""
    quiz = catalogue.quiz_for_unit(unit.id)
    if quiz is None:
        raise KeyError(f"{unit.id} has no quiz")
    view = quiz_view(catalogue, quiz)
    which = label("answer_key" if answer_key else "question_sheet")
    footer = f"{catalogue.guide.title} · {label('unit_bookmark', order=unit.order, title=unit.title)}"
    data = _quiz(view, feedback=answer_key)
    if not answer_key:  # the sheet carries nothing that gives an answer away
        for question in data["questions"]:
            question.update(answer="", explanation=[], lesson="")
            for option in question.get("options", []):
                option.pop("correct", None)
            question.pop("matches", None)
            question.pop("order", None)
            if question["kind"] == QuestionType.SHORT.value:
                question["options"] = []
    return _finish(
        {
            **_metadata(
                catalogue,
                label("quiz_title", title=quiz.title, which=which),
                footer,
                label("answer_key_trainer_only" if answer_key else "quiz"),
            ),
            "answer_key": answer_key,
            "kicker": f"{catalogue.guide.title} · {label('unit_bookmark', order=unit.order, title=unit.title)}",
            "heading": f"{quiz.title}: {which}" if answer_key else quiz.title,
            "running": label(
                "quiz_running", order=unit.order, which=label("answer_key") if answer_key else label("quiz")
            ),
            "intro": (
                label("key_intro", count=len(view.questions), mark=quiz.pass_mark)
                if answer_key
                else label("sheet_intro", count=len(view.questions), minutes=quiz.duration, mark=quiz.pass_mark)
            ),
            "warning": label("key_warning") if answer_key else "",
            "quiz": data,
        },
        catalogue,
    )


def source_files(catalogue: Catalogue, units: Sequence[Unit]) -> list[Path]:
    """The content files a guide of these units prints from (for messages with file:line)."""
    files: list[Path] = []
    for unit in units:
        files.append(unit.path)
        files.extend(lesson.path for lesson in unit.lessons)
        quiz = catalogue.quiz_for_unit(unit.id)
        if quiz is not None:
            files.append(quiz.path)
    guide_dir = catalogue.content_dir / "trainer_guide"
    files.extend(sorted(guide_dir.glob("*.md")))
    files.extend(sorted(guide_dir.glob("*.yaml")))
    return files
