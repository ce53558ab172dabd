"""Blueprint "admin" (``/admin``): accounts, groups, CSV imports, trainers' follow-up of their
groups, completion reports with charts, CSV exports and the audit log.

Administrators see everything; trainers see only their own groups and the learners in them
(anything else answers 404, like an id that does not exist); learners get 403 everywhere.
Each module below adds its views to :data:`bp`.
"""

from . import accounts, audit, certificates, evaluations, groups, imports, lti, reports  # noqa: F401 - modules register their views
from .blueprint import bp

__all__ = ["bp"]
