"""Bridges to the systems organisations already run.

* :mod:`.scorm` builds a SCORM 1.2 package of chosen units (lessons and a self-scored quiz),
  for any LMS that imports SCORM.
* :mod:`.xapi` turns learning events into xAPI 1.0.3 statements for a learning record store,
  with the activity-id scheme described in ``docs/interop.md``.
* :mod:`.lti` checks LTI 1.3 messages from a learning platform and builds the tool's replies.

* :mod:`.events` names what happened (a lesson read, a quiz passed, a unit complete).
* :mod:`.grades` works out what an LMS gradebook gets for a learner.
* :mod:`.sender` delivers the outbox (``training outbox send``), outside any request.

Apart from the sender, the modules here are plain functions over the catalogue and plain
data: no Flask, no database. The write path (the outbox, accounts linked through LTI) lives
in ``services/``, its reads in ``queries/`` (``docs/architecture.md``).
"""
