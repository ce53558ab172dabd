"""The workshop planner's promises, proved over generated courses and options (hypothesis).

Sessions never run past the day, units and steps keep their order, each lesson and
activity appears exactly once, pauses fall only between sessions, lunch comes mid-day,
and content that does not fit says by how much and suggests changes that really make it fit.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.content import build_catalogue
from training.content.model import SessionStep, StepKind, Unit
from training.guide import plan as planner
from training.guide.plan import Pause, PauseKind, PlanError, Slot, WorkshopOptions, plan_workshop

MINIMAL = Path(__file__).resolve().parent / "fixtures" / "content" / "minimal"

MINUTES = {
    StepKind.STEP: st.integers(5, 45),
    StepKind.LESSON: st.integers(10, 60),
    StepKind.ACTIVITY: st.integers(30, 200),  # now and then longer than a short day
    StepKind.QUIZ: st.integers(10, 30),
}


def make_unit(order: int, steps: list[SessionStep]) -> Unit:
    return Unit(
        id=f"u{order}",
        title=f"Unit {order}",
        order=order,
        summary="",
        objectives=(),
        html="",
        guide_html="",
        blocks=(),
        lessons=(),
        materials=(),
        key_messages=(),
        session_plan=tuple(steps),
        quiz_id=None,
        duration=0,
        version="v",
        path=Path(f"u{order}.md"),
        language="en",
    )


@st.composite
def session_plans(draw) -> list[SessionStep]:
    kinds = draw(st.lists(st.sampled_from(list(StepKind)), min_size=1, max_size=8))
    steps = []
    for index, kind in enumerate(kinds):
        ref = f"{kind.value}-{index}" if kind in (StepKind.LESSON, StepKind.ACTIVITY) else None
        steps.append(SessionStep(kind, f"{kind.value} {index}", draw(MINUTES[kind]), "Method", "", ref))
    return steps


@st.composite
def courses(draw) -> list[Unit]:
    plans = draw(st.lists(session_plans(), min_size=1, max_size=5))
    return [make_unit(order, steps) for order, steps in enumerate(plans, start=1)]


@st.composite
def workshop_options(draw) -> WorkshopOptions:
    return WorkshopOptions(
        days=draw(st.none() | st.integers(1, 4)),
        day_start=draw(st.integers(6 * 12, 11 * 12)) * 5,
        hours_per_day=draw(st.integers(6, 20)) / 2,
        break_minutes=draw(st.integers(0, 30)),
        lunch_minutes=draw(st.sampled_from([0, 30, 45, 60, 90])),
        session_minutes=draw(st.integers(6, 36)) * 5,
        quizzes_online=draw(st.booleans()),
    )


PLANS = settings(max_examples=150, deadline=None)


def expected_steps(units: list[Unit], options: WorkshopOptions) -> list[tuple[str, int]]:
    return [
        (u.id, i)
        for u in units
        for i, s in enumerate(u.session_plan)
        if not (options.quizzes_online and s.kind == StepKind.QUIZ)
    ]


@PLANS
@given(courses(), workshop_options())
def test_sessions_never_run_past_the_day(units, options):
    agenda = plan_workshop(units, options)
    for day in agenda.days:
        assert day.end == options.day_end
        for session in day.sessions:
            assert day.start <= session.start < session.end <= day.end
            assert session.slots[0].start == session.start and session.slots[-1].end == session.end
            for before, after in zip(session.slots, session.slots[1:]):
                assert before.end == after.start  # back to back, nothing split
            if len(session.slots) > 1:
                assert session.end - session.start <= options.session_minutes
            for slot in session.slots:
                assert slot.end - slot.start == slot.step.minutes  # a step is never split


@PLANS
@given(courses(), workshop_options())
def test_units_and_steps_keep_their_order_and_each_appears_once(units, options):
    agenda = plan_workshop(units, options)
    placed = [(s.unit_id, s.index) for s in agenda.slots]
    pending = [(p.unit_id, p.index) for p in agenda.unplaced]
    assert placed + pending == expected_steps(units, options)
    times = [(s.day, s.start) for s in agenda.slots]
    assert times == sorted(times)


@PLANS
@given(courses(), workshop_options())
def test_each_chosen_lesson_and_activity_appears_exactly_once(units, options):
    agenda = plan_workshop(units, options)
    seen = [(s.unit_id, s.step.ref) for s in agenda.slots] + [(p.unit_id, p.step.ref) for p in agenda.unplaced]
    for unit in units:
        for step in unit.session_plan:
            if step.kind in (StepKind.LESSON, StepKind.ACTIVITY):
                assert seen.count((unit.id, step.ref)) == 1


@PLANS
@given(courses(), workshop_options())
def test_breaks_fall_between_sessions(units, options):
    agenda = plan_workshop(units, options)
    for day in agenda.days:
        entries = sorted([*day.sessions, *day.pauses], key=lambda e: e.start)
        kinds = ["pause" if isinstance(e, Pause) else "session" for e in entries]
        assert kinds[0] == kinds[-1] == "session"
        assert "pause,pause" not in ",".join(kinds)
        for index, entry in enumerate(entries):
            if isinstance(entry, Pause):
                assert entries[index - 1].end == entry.start and entry.end == entries[index + 1].start
                expected = options.lunch_minutes if entry.kind == PauseKind.LUNCH else options.break_minutes
                assert entry.minutes == expected > 0
        lunches = [p for p in day.pauses if p.kind == PauseKind.LUNCH]
        assert len(lunches) <= (1 if options.has_lunch else 0)
        if options.has_lunch and options.break_minutes == 0 and not lunches:
            assert len(day.sessions) >= 1


@PLANS
@given(courses(), workshop_options())
def test_lunch_starts_near_the_middle_of_the_day(units, options):
    agenda = plan_workshop(units, options)
    middle = options.day_start + options.working_minutes // 2
    for day in agenda.days:
        for lunch in (p for p in day.pauses if p.kind == PauseKind.LUNCH):
            morning = [s for s in day.sessions if s.end <= lunch.start]
            long_first_step = (
                len(morning) == 1 and len(morning[0].slots) == 1 and morning[0].end > middle + planner.LUNCH_LEEWAY
            )
            assert lunch.start <= middle + planner.LUNCH_LEEWAY or long_first_step
        if options.has_lunch and day.finish > middle + planner.LUNCH_LEEWAY + options.lunch_minutes:
            assert any(p.kind == PauseKind.LUNCH for p in day.pauses)


@PLANS
@given(courses(), workshop_options())
def test_content_that_does_not_fit_says_by_how_much_and_what_to_drop(units, options):
    agenda = plan_workshop(units, options)
    if agenda.fits:
        assert agenda.over_by == 0 and not agenda.suggestions
        return
    assert agenda.over_by == sum(p.step.minutes for p in agenda.unplaced) > 0
    assert agenda.suggestions and all(s.text for s in agenda.suggestions)
    for suggestion in agenda.suggestions:
        if suggestion.drop_units or suggestion.options:
            kept = [u for u in units if u.id not in suggestion.drop_units]
            assert plan_workshop(kept, suggestion.options or options).fits, suggestion.text


@PLANS
@given(courses(), workshop_options())
def test_with_days_left_open_everything_fits_unless_a_step_outlasts_a_day(units, options):
    agenda = plan_workshop(units, replace(options, days=None))
    if not agenda.fits:
        assert agenda.too_long and agenda.unplaced[0].step.minutes > options.working_minutes
    else:
        assert not agenda.too_long


def test_a_step_longer_than_its_session_gets_a_session_of_its_own():
    unit = make_unit(
        1,
        [
            SessionStep(StepKind.STEP, "Intro", 10, "Plenary"),
            SessionStep(StepKind.ACTIVITY, "Long game", 120, "Groups", ref="game"),
            SessionStep(StepKind.QUIZ, "Quiz", 20, "Quiz"),
        ],
    )
    agenda = plan_workshop([unit], WorkshopOptions(hours_per_day=6, session_minutes=90, break_minutes=15))
    sessions = agenda.days[0].sessions
    assert [len(s.slots) for s in sessions] == [1, 1, 1]
    assert sessions[1].slots[0].step.title == "Long game" and sessions[1].end - sessions[1].start == 120


def test_three_real_units_in_two_short_days_do_not_fit_and_the_planner_says_what_to_do():
    catalogue = build_catalogue(Path(__file__).resolve().parent.parent)
    units = list(catalogue.units[:3])
    options = WorkshopOptions(days=2, day_start=9 * 60, hours_per_day=6, break_minutes=15, lunch_minutes=60)
    agenda = plan_workshop(units, options)
    assert not agenda.fits
    assert agenda.over_by == sum(p.step.minutes for p in agenda.unplaced)
    assert any("Leave out unit" in s.text for s in agenda.suggestions)
    longer = next(s for s in agenda.suggestions if s.text.startswith("Make the days"))
    assert plan_workshop(units, longer.options).fits
    day = agenda.days[0]
    assert planner.format_clock(day.start) == "09:00" and day.end == 16 * 60  # 6 hours plus an hour for lunch


def test_the_fixture_course_fits_in_one_day_with_the_course_defaults():
    catalogue = build_catalogue(MINIMAL)
    options = WorkshopOptions.from_defaults(catalogue.guide.workshop)
    agenda = plan_workshop(catalogue.units, options)
    assert agenda.fits and len(agenda.days) == 1
    assert [p.kind for p in agenda.days[0].pauses].count(PauseKind.LUNCH) == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"days": 0},
        {"hours_per_day": 0.5},
        {"break_minutes": 90},
        {"lunch_minutes": -5},
        {"session_minutes": 10},
        {"day_start": 20 * 60, "hours_per_day": 6},
    ],
)
def test_options_that_make_no_day_are_refused(changes):
    with pytest.raises(PlanError):
        WorkshopOptions(**changes)


def test_clock_times_read_and_print_as_hours_and_minutes():
    assert planner.parse_clock("09:30") == 570 and planner.format_clock(570) == "09:30"
    for bad in ("9", "25:00", "09:60", "nine"):
        with pytest.raises(PlanError):
            planner.parse_clock(bad)


def test_slots_and_pauses_are_listed_in_clock_order():
    catalogue = build_catalogue(MINIMAL)
    agenda = plan_workshop(catalogue.units, WorkshopOptions(hours_per_day=8))
    entries = agenda.days[0].entries
    assert [e.start for e in entries] == sorted(e.start for e in entries)
    assert any(isinstance(e, Pause) for e in entries) and any(isinstance(e, Slot) for e in entries)
