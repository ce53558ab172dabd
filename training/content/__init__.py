"""Course content: files -> validated, rendered, immutable catalogue. No Flask in here.

Public API: :func:`build_catalogue`, :func:`check`, :class:`ContentError`,
:class:`ContentInvalid` and the catalogue types in :mod:`training.content.model`.
"""

from .catalogue import build_catalogue, check
from .errors import ContentError, ContentInvalid
from .model import Catalogue, Lesson, Question, QuestionType, Quiz, Unit

__all__ = [
    "Catalogue",
    "ContentError",
    "ContentInvalid",
    "Lesson",
    "Question",
    "QuestionType",
    "Quiz",
    "Unit",
    "build_catalogue",
    "check",
]
