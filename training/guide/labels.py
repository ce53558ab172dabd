"""Every word the printed documents add to the course's own text, in one place.

Headings, table headers, running headers, the cover's facts: the PDF templates print only
what they are given, and everything they are given that is not course content comes from
:data:`LABELS` (except how each question type is answered on paper: its type's
``paper_instruction`` in :mod:`training.content.questions`). Each entry is marked with
``N_`` so that ``make messages`` collects it into the message catalogues, and :func:`label`
translates it into the language being rendered (the request's, or the one set with
``force_locale`` for a document in another language). Placeholders are ``{name}``, kept as
they are in every translation.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..translatable import N_, gettext

LABELS: Mapping[str, str] = {
    # Document kinds and running headers
    "trainers_guide": N_("Trainer's guide"),
    "workshop_edition": N_("workshop edition"),
    "handout": N_("Handout"),
    "handout_for_participants": N_("Handout for participants"),
    "quiz": N_("Quiz"),
    "answer_key_trainer_only": N_("Answer key · trainer only"),
    "page_of": N_("Page {page} of {pages}"),
    "page_ref": N_("page {page}"),
    "footer": N_("{title} · Edition {edition} · Content version {version}"),
    "footer_short": N_("{title} · Edition {edition}"),
    "unit_running": N_("Unit {order} · {title}"),
    "quiz_running": N_("Unit {order} · {which}"),
    # Cover
    "whole_course": N_("The complete course: {count} units"),
    "workshop_units": N_("Workshop edition: units {numbers}"),
    "workshop_unit": N_("Workshop edition: unit {numbers}"),
    "edition": N_("Edition"),
    "content_version": N_("Content version"),
    "workshop": N_("Workshop"),
    "workshop_days": N_("{days} from {start} to {end}"),
    "one_day": N_("1 day"),
    "days": N_("{count} days"),
    "cover_note": N_(
        "For trainers. This guide contains facilitator notes and quiz answer keys: give participants "
        "only the handouts and the question sheets."
    ),
    # Parts
    "contents": N_("Contents"),
    "agenda": N_("Workshop agenda"),
    "glossary": N_("Glossary"),
    "references": N_("References"),
    "glossary_intro_all": N_(
        "The key terms of all lessons, in alphabetical order. The lesson in brackets defines the term."
    ),
    "glossary_intro_some": N_(
        "The key terms of the lessons in this guide, in alphabetical order. The lesson in brackets defines the term."
    ),
    "references_intro_all": N_("The sources of all lessons, with the units that cite them."),
    "references_intro_some": N_("The sources of the lessons in this guide, with the units that cite them."),
    "cited_in": N_("Units {units}"),
    "cited_in_one": N_("Unit {units}"),
    # Units
    "unit": N_("Unit {order}"),
    "unit_bookmark": N_("Unit {order}: {title}"),
    "lesson": N_("Lesson {number}"),
    "trainer_only": N_("Trainer only"),
    "e_learning": N_("E-learning"),
    "lessons": N_("Lessons"),
    "quiz_fact": N_("{count} questions, pass mark {mark}%"),
    "objectives": N_("Objectives"),
    "objectives_intro": N_("By the end of this unit, participants can:"),
    "what_you_will_learn": N_("What you will learn"),
    "duration_materials": N_("Duration and materials"),
    "duration_text": N_("The workshop session takes {workshop}; the e-learning lessons and quiz take {online} online."),
    "session_plan": N_("Session plan"),
    "key_messages": N_("Key messages"),
    "about_unit": N_("About this unit"),
    "minutes_online": N_("{minutes} min online"),
    "minutes": N_("{minutes} min"),
    "lesson_objectives": N_("Objectives: {objectives}"),
    "key_terms": N_("Key terms"),
    "sources": N_("Sources"),
    "facilitator_notes": N_("Facilitator notes"),
    "discussion_questions": N_("Discussion questions"),
    "activity": N_("Activity"),
    "activity_title": N_("Activity: {label}"),
    "activity_minutes": N_("{minutes} minutes"),
    "handout_label": N_("Handout for participants · Unit {order}: {title}"),
    "handout_bookmark": N_("Handout: {label}"),
    "quiz_and_key": N_("Quiz and answer key"),
    "quiz_facts": N_(
        "{title} · {count} questions · pass mark {mark}% · about {minutes} min. The letters match the printed "
        "question sheet."
    ),
    # Session plan and agenda tables
    "time": N_("Time"),
    "activity_col": N_("Activity"),
    "method": N_("Method"),
    "materials": N_("Materials"),
    "session_step": N_("Session step"),
    "day": N_("Day {number}"),
    "day_col": N_("Day"),
    "hours_col": N_("Hours"),
    "units_col": N_("Units"),
    "sessions_col": N_("Sessions"),
    "break": N_("Break"),
    "lunch": N_("Lunch"),
    "pause_minutes": N_("{pause} ({minutes} min)"),
    "not_scheduled": N_("Not scheduled"),
    "at_a_glance": N_("The workshop at a glance"),
    "agenda_units": N_("Units: {units}."),
    "everything_fits": N_("Everything fits."),
    "fits_detail": N_("{minutes} of sessions in {days}."),
    "does_not_fit": N_("The content does not fit: it is over by {minutes}."),
    "not_in_agenda": N_("These steps are not in the agenda:"),
    "unplaced_step": N_("Unit {order}: {title} ({minutes} min)"),
    "what_you_could_do": N_("What you could do:"),
    "agenda_summary": N_(
        "{days} · from {start} to {end} ({hours} hours{lunch}) · breaks of {breaks} min · sessions of up "
        "to {session} min{online}"
    ),
    "agenda_lunch": N_(" and {minutes} min lunch"),
    "quizzes_online": N_(" · quizzes taken online"),
    "lesson_step": N_("Lesson {number}: {title}"),
    # Quizzes
    "question": N_("Question {number}"),
    "points": N_("({points} points)"),
    "answer": N_("Answer:"),
    "explanation": N_("Explanation."),
    "taught_in": N_("Taught in: {lesson}"),
    "accepted": N_("Accepted: "),
    "not_accepted": N_("Not accepted: "),
    "any_other_answer": N_("Any other answer"),
    "correct": N_("correct"),
    "not_correct": N_("not correct"),
    "item": N_("Item"),
    "matches": N_("Matches"),
    "feedback": N_("Feedback"),
    "name": N_("Name"),
    "date": N_("Date"),
    "answer_key": N_("answer key"),
    "question_sheet": N_("question sheet"),
    "key_warning": N_("For the trainer. Do not hand this page out."),
    "key_intro": N_("{count} questions · pass mark {mark}% · the letters match the question sheet."),
    "sheet_intro": N_(
        "{count} questions · about {minutes} minutes · you pass with {mark}% or more. Each question says how to answer."
    ),
    # Certificates
    "certificate": N_("Certificate of completion"),
    "certificate_title": N_("Certificate of completion: {name}"),
    "certifies": N_("This certifies that"),
    "has_completed": N_("has completed the course"),
    "completed_on": N_("Completed on {date}"),
    "study_hours": N_("{hours} hours of study"),
    "units_completed": N_("{count} units"),
    "how_completed": N_("How it was completed"),
    "unit_line": N_("Unit {order}: {title}"),
    "issued_by": N_("Issued by"),
    "verify_at": N_("Check this certificate at"),
    "verify_code": N_("Verification code"),
    "qr_alt": N_("QR code of the verification address {url}"),
    "logo_alt": N_("Logo of {issuer}"),
    # Document titles (PDF metadata)
    "handout_title": N_("Unit {order}: {title} – handout"),
    "participant_handouts_title": N_("Unit {order}: {title} – participant handouts"),
    "quiz_title": N_("{title} – {which}"),
}


def label(key: str, **values: object) -> str:
    """The label in the current language, with its placeholders filled."""
    text = gettext(LABELS[key])
    return text.format(**values) if values else text


def labels() -> dict[str, str]:
    """Every label in the current language (for the templates)."""
    return {key: gettext(text) for key, text in LABELS.items()}
