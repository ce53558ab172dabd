"""The workshop planner: the chosen units' session steps packed into days, with clock times.

A pure function over catalogue objects (no Flask, no I/O), so the rules below can be proved
with property-based tests and the web form, the CLI and the guide all get the same agenda.

The rules, as a trainer would read them:

* **The day.** A day starts at ``day_start`` and lasts ``hours_per_day`` hours *not counting
  lunch*: 09:00 with 6 hours and a 60-minute lunch ends at 16:00. Short breaks count within
  the hours. Days of four hours or less, or a lunch of 0 minutes, have no lunch.
* **Sessions.** Steps run back to back in sessions of at most ``session_minutes``. A break of
  ``break_minutes`` separates two sessions; there is never a break at the start or the end of
  a day, and never two pauses in a row.
* **Steps are never split.** Not across a break, lunch or a night. A step longer than
  ``session_minutes`` (a 120-minute activity with 90-minute sessions, say) gets a session of
  its own. A step longer than a whole day cannot be placed; the plan says so.
* **Lunch mid-day.** Lunch replaces the first break that falls at or after 45 minutes before
  the middle of the working day, and morning sessions end by 45 minutes after it, so lunch
  starts within 45 minutes of mid-day. When the next step is too long to finish before that,
  lunch comes early instead of a break.
* **Order.** Units keep the order they are given in (course order, from
  :func:`training.guide.select_units`), steps keep their unit's order, and each step appears
  once. A day ends when its next step no longer fits; the next day carries on.
* **Too much content.** Steps left over after the last day are listed; the agenda says by
  how many minutes it is over and suggests what to drop (a unit, quizzes taken online, a
  longer day or another day), checking each suggestion by planning again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ..content.model import SessionStep, StepKind, Unit, WorkshopDefaults

LUNCH_LEEWAY = 45
"""Lunch starts within this many minutes of the middle of the working day."""
MIN_HOURS_FOR_LUNCH = 4.0

# Limits shared by the web form and the command line: a few thousand sensible workshops
# rather than unbounded numbers, so each variant of the guide is worth typesetting.
MAX_DAYS = 10
HOURS_RANGE = (1.0, 10.0)
"""A working day, counted in half hours."""
BREAK_RANGE = (0, 60)
LUNCH_RANGE = (0, 120)
SESSION_RANGE = (30, 240)
LAST_END = 24 * 60
DEFAULT_SESSION_MINUTES = 90


class PlanError(ValueError):
    """Workshop options that cannot make a day (e.g. a day that would end after midnight)."""


def parse_clock(text: str) -> int:
    """``"09:30"`` -> 570 minutes after midnight."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise PlanError(f"{text!r} is not a time like 09:00")
    value = int(hours) * 60 + int(minutes)
    if int(hours) > 23 or int(minutes) > 59:
        raise PlanError(f"{text!r} is not a time like 09:00")
    return value


def format_clock(minutes: int) -> str:
    """570 -> ``"09:30"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class WorkshopOptions:
    """What the trainer has: days, hours and pauses. ``days=None`` means as many as needed."""

    days: int | None = None
    day_start: int = 9 * 60
    """Minutes after midnight."""
    hours_per_day: float = 6.0
    break_minutes: int = 15
    lunch_minutes: int = 60
    session_minutes: int = DEFAULT_SESSION_MINUTES
    """The longest stretch of steps without a break."""
    quizzes_online: bool = False
    """Participants take the quizzes online, so quiz steps are left out of the agenda."""

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise PlanError("; ".join(problems))

    def problems(self) -> list[str]:
        found = []
        if self.days is not None and not 1 <= self.days <= MAX_DAYS:
            found.append(f"the number of days must be from 1 to {MAX_DAYS}")
        if not HOURS_RANGE[0] <= self.hours_per_day <= HOURS_RANGE[1]:
            found.append(f"hours per day must be from {HOURS_RANGE[0]:g} to {HOURS_RANGE[1]:g}")
        elif (self.hours_per_day * 2) % 1:
            found.append("hours per day must be in half hours, such as 6 or 6.5")
        if not BREAK_RANGE[0] <= self.break_minutes <= BREAK_RANGE[1]:
            found.append(f"a break must last {BREAK_RANGE[0]} to {BREAK_RANGE[1]} minutes")
        if not LUNCH_RANGE[0] <= self.lunch_minutes <= LUNCH_RANGE[1]:
            found.append(f"lunch must last {LUNCH_RANGE[0]} to {LUNCH_RANGE[1]} minutes")
        if not SESSION_RANGE[0] <= self.session_minutes <= SESSION_RANGE[1]:
            found.append(f"the longest session must be {SESSION_RANGE[0]} to {SESSION_RANGE[1]} minutes")
        if not 0 <= self.day_start < LAST_END:
            found.append("the day must start at a time of day")
        elif not found and self.day_end > LAST_END:
            found.append(f"a day starting at {format_clock(self.day_start)} with these hours would end after midnight")
        return found

    @classmethod
    def from_defaults(cls, defaults: WorkshopDefaults, **changes: object) -> WorkshopOptions:
        """The course's workshop defaults (``trainer_guide/guide.yaml``), with changes."""
        values: dict[str, object] = {
            "day_start": parse_clock(defaults.day_start),
            "hours_per_day": float(defaults.hours_per_day),
            "break_minutes": defaults.break_minutes,
            "lunch_minutes": defaults.lunch_minutes,
        }
        values.update({k: v for k, v in changes.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def working_minutes(self) -> int:
        """Minutes from start to end of a day, lunch not counted."""
        return round(self.hours_per_day * 60)

    @property
    def has_lunch(self) -> bool:
        return self.lunch_minutes > 0 and self.hours_per_day > MIN_HOURS_FOR_LUNCH

    @property
    def day_end(self) -> int:
        return self.day_start + self.working_minutes + (self.lunch_minutes if self.has_lunch else 0)

    def key(self) -> dict[str, object]:
        """A plain dict for cache keys and URLs."""
        return {
            "days": self.days,
            "day_start": self.day_start,
            "hours_per_day": self.hours_per_day,
            "break_minutes": self.break_minutes,
            "lunch_minutes": self.lunch_minutes,
            "session_minutes": self.session_minutes,
            "quizzes_online": self.quizzes_online,
        }


class PauseKind(StrEnum):
    BREAK = "break"
    LUNCH = "lunch"


@dataclass(frozen=True, slots=True)
class Slot:
    """One step of a unit's session plan, placed on a day at a clock time."""

    day: int
    start: int
    end: int
    unit_id: str
    unit_title: str
    unit_order: int
    index: int
    """The step's position in its unit's session plan (0-based)."""
    step: SessionStep

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Pause:
    """A break or lunch between two sessions."""

    kind: PauseKind
    day: int
    start: int
    end: int

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Session:
    """Steps that run back to back, without a pause."""

    day: int
    start: int
    end: int
    slots: tuple[Slot, ...]


@dataclass(frozen=True, slots=True)
class Day:
    number: int
    start: int
    end: int
    """When the day may end at the latest (start + hours + lunch)."""
    sessions: tuple[Session, ...]
    pauses: tuple[Pause, ...]

    @property
    def finish(self) -> int:
        """When the last session actually ends."""
        return self.sessions[-1].end if self.sessions else self.start

    @property
    def entries(self) -> tuple[Slot | Pause, ...]:
        """Steps and pauses in clock order, as an agenda lists them."""
        items: list[Slot | Pause] = [slot for s in self.sessions for slot in s.slots]
        items.extend(self.pauses)
        return tuple(sorted(items, key=lambda item: (item.start, isinstance(item, Slot))))

    @property
    def teaching_minutes(self) -> int:
        return sum(s.end - s.start for s in self.sessions)

    @property
    def unit_orders(self) -> tuple[int, ...]:
        """The units taught this day, in order."""
        seen: dict[int, None] = {}
        for session in self.sessions:
            seen.update((slot.unit_order, None) for slot in session.slots)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class Pending:
    """A step that did not fit in the days available."""

    unit_id: str
    unit_title: str
    unit_order: int
    index: int
    step: SessionStep


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Something the trainer could change so that the content fits."""

    text: str
    saves: int = 0
    """Minutes of steps it removes (0 for suggestions that add time instead)."""
    drop_units: tuple[str, ...] = ()
    """Units to leave out."""
    options: WorkshopOptions | None = None
    """Changed options (more days, longer days, quizzes online)."""


@dataclass(frozen=True, slots=True)
class Agenda:
    """The planner's answer: days with clock times, and what did not fit."""

    options: WorkshopOptions
    unit_ids: tuple[str, ...]
    days: tuple[Day, ...]
    unplaced: tuple[Pending, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    too_long: tuple[Pending, ...] = ()
    """Steps longer than a whole day: no number of days can hold them."""
    left_out: tuple[Pending, ...] = field(default=())
    """Steps left out on purpose (quizzes taken online)."""

    @property
    def fits(self) -> bool:
        return not self.unplaced

    @property
    def over_by(self) -> int:
        """Minutes of steps that did not fit."""
        return sum(p.step.minutes for p in self.unplaced)

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(slot for day in self.days for s in day.sessions for slot in s.slots)

    @property
    def teaching_minutes(self) -> int:
        return sum(day.teaching_minutes for day in self.days)

    def unit_entries(self, unit_id: str) -> tuple[Slot | Pause | Pending, ...]:
        """A unit's steps in order, with the pauses that fall between them and the steps that
        did not fit: the rows of the unit's session plan table."""
        rows: list[Slot | Pause | Pending] = []
        for day in self.days:
            entries = day.entries
            positions = [i for i, e in enumerate(entries) if isinstance(e, Slot) and e.unit_id == unit_id]
            if positions:
                rows.extend(entries[positions[0] : positions[-1] + 1])
        rows.extend(p for p in (*self.unplaced, *self.left_out) if p.unit_id == unit_id)
        return tuple(rows)


@dataclass(frozen=True, slots=True)
class _Step:
    unit: Unit
    index: int
    step: SessionStep

    def pending(self) -> Pending:
        return Pending(self.unit.id, self.unit.title, self.unit.order, self.index, self.step)


def plan_workshop(units: Sequence[Unit], options: WorkshopOptions) -> Agenda:
    """Pack the units' session steps into days; see the module docstring for the rules."""
    steps, left_out = _steps(units, options)
    days, rest = _pack(steps, options)
    too_long = tuple(s.pending() for s in rest if s.step.minutes > options.working_minutes)
    agenda = Agenda(
        options=options,
        unit_ids=tuple(u.id for u in units),
        days=tuple(days),
        unplaced=tuple(s.pending() for s in rest),
        too_long=too_long,
        left_out=tuple(s.pending() for s in left_out),
    )
    if rest:
        agenda = replace(agenda, suggestions=_suggest(units, options, rest, too_long))
    return agenda


def _steps(units: Sequence[Unit], options: WorkshopOptions) -> tuple[list[_Step], list[_Step]]:
    kept: list[_Step] = []
    left_out: list[_Step] = []
    for unit in units:
        for index, step in enumerate(unit.session_plan):
            target = left_out if options.quizzes_online and step.kind == StepKind.QUIZ else kept
            target.append(_Step(unit, index, step))
    return kept, left_out


def _pack(steps: Sequence[_Step], options: WorkshopOptions) -> tuple[list[Day], list[_Step]]:
    days: list[Day] = []
    position = 0
    while position < len(steps) and (options.days is None or len(days) < options.days):
        day, after = _pack_day(steps, position, len(days) + 1, options)
        if after == position:
            break  # the next step does not fit even in an empty day
        days.append(day)
        position = after
    return days, list(steps[position:])


def _pack_day(steps: Sequence[_Step], position: int, number: int, options: WorkshopOptions) -> tuple[Day, int]:
    start, end = options.day_start, options.day_end
    middle = start + options.working_minutes // 2
    earliest, latest = middle - LUNCH_LEEWAY, middle + LUNCH_LEEWAY
    lunch_due = options.has_lunch
    clock = start
    sessions: list[Session] = []
    pauses: list[Pause] = []
    while position < len(steps):
        first = steps[position].step.minutes
        lunch_now = False
        gap = 0
        if sessions:
            lunch_now = lunch_due and (clock >= earliest or clock + options.break_minutes + first > latest)
            gap = options.lunch_minutes if lunch_now else options.break_minutes
        begin = clock + gap
        limit = end
        if lunch_due and not lunch_now and (sessions or begin + first <= latest):
            limit = latest  # a morning session: lunch must still start in time
        if begin + first > limit:
            break  # the day is full
        finish, after = begin, position
        while after < len(steps):
            minutes = steps[after].step.minutes
            if finish + minutes > limit or (after > position and finish + minutes - begin > options.session_minutes):
                break
            finish += minutes
            after += 1
        if gap:
            pauses.append(Pause(PauseKind.LUNCH if lunch_now else PauseKind.BREAK, number, clock, begin))
        if lunch_now:
            lunch_due = False
        slots, moment = [], begin
        for item in steps[position:after]:
            slots.append(
                Slot(
                    number,
                    moment,
                    moment + item.step.minutes,
                    item.unit.id,
                    item.unit.title,
                    item.unit.order,
                    item.index,
                    item.step,
                )
            )
            moment += item.step.minutes
        sessions.append(Session(number, begin, finish, tuple(slots)))
        clock, position = finish, after
    return Day(number, start, end, tuple(sessions), tuple(pauses)), position


def _fits(units: Sequence[Unit], options: WorkshopOptions) -> bool:
    steps, _ = _steps(units, options)
    return not _pack(steps, options)[1]


def _suggest(
    units: Sequence[Unit], options: WorkshopOptions, rest: Sequence[_Step], too_long: Sequence[Pending]
) -> tuple[Suggestion, ...]:
    """What the trainer could change, each checked by planning again."""
    found: list[Suggestion] = []
    for pending in too_long:
        found.append(
            Suggestion(
                f"Unit {pending.unit_order}, “{pending.step.title}” lasts {format_minutes(pending.step.minutes)}, "
                f"longer than a whole day of {format_minutes(options.working_minutes)}: make the days longer or split "
                "the step in the unit's session plan.",
                pending.step.minutes,
            )
        )
    if too_long:
        return tuple(found)

    if not options.quizzes_online:
        quiz_minutes = sum(s.minutes for u in units for s in u.session_plan if s.kind == StepKind.QUIZ)
        if quiz_minutes and _fits(units, replace(options, quizzes_online=True)):
            found.append(
                Suggestion(
                    f"Have participants take the quizzes online before or after the workshop: this frees "
                    f"{format_minutes(quiz_minutes)} and everything fits.",
                    quiz_minutes,
                    options=replace(options, quizzes_online=True),
                )
            )

    if len(units) > 1:
        droppable = [u for u in units if _fits([v for v in units if v.id != u.id], options)]
        for unit in sorted(droppable, key=lambda u: (u.workshop_minutes, u.order))[:2]:
            found.append(
                Suggestion(
                    f"Leave out unit {unit.order}, “{unit.title}” ({format_minutes(unit.workshop_minutes)}); "
                    "participants can study it online.",
                    unit.workshop_minutes,
                    drop_units=(unit.id,),
                )
            )
        if not droppable:
            for count in range(2, len(units)):
                kept, dropped = units[:-count], units[-count:]
                if _fits(kept, options):
                    numbers = ", ".join(str(u.order) for u in dropped)
                    found.append(
                        Suggestion(
                            f"Leave out the last {count} units ({numbers}); participants can study them online.",
                            sum(u.workshop_minutes for u in dropped),
                            drop_units=tuple(u.id for u in dropped),
                        )
                    )
                    break

    if options.days is not None and options.days < MAX_DAYS:
        needed = len(_pack(_steps(units, options)[0], replace(options, days=None))[0])
        if needed <= MAX_DAYS:
            extra = needed - options.days
            found.append(
                Suggestion(
                    f"Add {'one more day' if extra == 1 else f'{extra} more days'}: the chosen units need "
                    f"{needed} days of {options.hours_per_day:g} hours.",
                    options=replace(options, days=needed),
                )
            )

    hours = options.hours_per_day
    while hours < HOURS_RANGE[1]:
        hours = min(HOURS_RANGE[1], math.floor(hours * 2 + 1) / 2)
        try:
            longer = replace(options, hours_per_day=hours)
        except PlanError:
            break
        if _fits(units, longer):
            found.append(
                Suggestion(
                    f"Make the days {hours:g} hours long ({format_clock(longer.day_start)} to "
                    f"{format_clock(longer.day_end)}{' with lunch' if longer.has_lunch else ''}).",
                    options=longer,
                )
            )
            break
    if not found:
        shortfall = sum(s.step.minutes for s in rest)
        found.append(Suggestion(f"Choose fewer units: {format_minutes(shortfall)} of sessions do not fit.", shortfall))
    return tuple(found)


def format_minutes(minutes: int | None) -> str:
    """95 -> ``"1 h 35 min"``."""
    if not minutes:
        return "0 min"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"
