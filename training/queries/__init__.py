"""The read path: every function that only reads the database, one module per subject.

Views, reports and the command line call these; :mod:`training.services` (the write path) may
call them too, but nothing here writes or commits. Object-level access lives here as well: a
read that takes an :class:`~training.permissions.Actor` answers
:class:`~training.permissions.NotFound` for anything that person may not reach.
"""
