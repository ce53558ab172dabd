"""Completion reports: aggregate SQL over all learners in scope, in a fixed number of queries
whatever their number (no query per learner), with the same rules as the learner's own view.

* :mod:`.scope` — who is covered: learner accounts, a trainer's own groups, filters.
* :mod:`.facts` — the progress rules as SQL (per learner and unit, per learner).
* :mod:`.population` — overview, by unit, by organisation, by country: grouped queries over the learners' summaries.
* :mod:`.learners` — the per-learner completion report, streamed.
* :mod:`.questions` — quiz item analysis.
* :mod:`.follow` — a group's learner-by-unit matrix and one learner in detail, for trainers.
* :mod:`.exports` — CSV columns and records of each report.
"""

from .exports import (
    OVERVIEW_COLUMNS,
    QUESTION_COLUMNS,
    REPORTS,
    SEGMENT_COLUMNS,
    TIMELINE_COLUMNS,
    UNIT_COLUMNS,
    ReportInfo,
    overview_record,
    question_record,
    segment_record,
    timeline_record,
    unit_record,
)
from .follow import (
    AnswerView,
    AttemptView,
    Cell,
    LearnerDetail,
    LessonView,
    MarkView,
    MatrixRow,
    group_matrix,
    learner_detail,
    matrix_header,
    matrix_record,
)
from .learners import (
    COMPLETION_COLUMNS,
    LearnerRow,
    completion_batches,
    completion_record,
    learner_page,
    learner_rows,
)
from .population import (
    ACTIVE_DAYS,
    MonthRow,
    Overview,
    OverviewReport,
    QuizStats,
    SegmentRow,
    Summary,
    Tally,
    UnitRow,
    overview,
    quiz_stats,
    segment_rows,
    summary,
    tally,
    unit_rows,
)
from .questions import QuestionRow, question_rows, question_text
from .scope import Filters, Scope, scoped_learner_ids

__all__ = [
    "ACTIVE_DAYS",
    "AnswerView",
    "AttemptView",
    "COMPLETION_COLUMNS",
    "Cell",
    "Filters",
    "LearnerDetail",
    "LearnerRow",
    "LessonView",
    "MarkView",
    "MatrixRow",
    "MonthRow",
    "OVERVIEW_COLUMNS",
    "Overview",
    "OverviewReport",
    "QUESTION_COLUMNS",
    "QuestionRow",
    "QuizStats",
    "REPORTS",
    "ReportInfo",
    "SEGMENT_COLUMNS",
    "Scope",
    "SegmentRow",
    "Summary",
    "TIMELINE_COLUMNS",
    "UNIT_COLUMNS",
    "UnitRow",
    "completion_batches",
    "completion_record",
    "group_matrix",
    "learner_detail",
    "learner_page",
    "learner_rows",
    "matrix_header",
    "matrix_record",
    "overview",
    "overview_record",
    "question_record",
    "question_rows",
    "question_text",
    "quiz_stats",
    "scoped_learner_ids",
    "segment_record",
    "segment_rows",
    "summary",
    "Tally",
    "tally",
    "timeline_record",
    "unit_record",
    "unit_rows",
]
