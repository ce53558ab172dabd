"""The write path: every function that changes the database lives in this package.

Each public function is one unit of work (see :func:`training.database.transactional`);
views call them and never commit themselves. Reads live apart, in :mod:`training.queries`.
One module per subject:

* ``accounts`` — creating accounts and administering them (details, role, deactivation, reset);
* ``credentials`` — passwords, sign-in throttling, two-step sign-in, ending sessions;
* ``groups`` — groups and who is in them;
* ``workshops`` — trainers' records of in-person sessions (attendance, units marked complete);
* ``learning`` — lessons opened and read;
* ``attempts`` — quiz attempts: start, autosave, submit;
* ``imports`` — two-step CSV imports of accounts and group members;
* ``audit`` — the audit trail every administrative write appends to;
* ``demo`` — demo data for trying the reports;
* ``lti`` — LMS platforms registered for LTI 1.3, their launches (accounts, course groups,
  links), rosters and the tool's signing key;
* ``outbox`` — messages for other systems (xAPI statements, LMS grades), queued with the
  change they report and claimed by the sender.
* ``site`` — settings every app server must agree on (the secret key's fingerprint).
"""
