"""The write path: every function that changes the database lives in this package.

Each public function is one unit of work (see :func:`training.database.transactional`);
views call them and never commit themselves. Modules by subject: ``accounts`` (sign-up,
sign-in, passwords, sessions), ``learning`` (lesson progress), ``attempts`` (quiz attempts),
``admin`` (accounts, groups, trainer records, audit), ``imports`` (two-step CSV imports), ``demo`` (demo data).
"""
