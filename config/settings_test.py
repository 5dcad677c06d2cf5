"""Settings of the test run: config.settings with local data (Celery file queue, e-mail files…) in a
temporary folder of its own, so that a task queued by a test never waits in var/ for the worker of
`make run`, which would run it against another database.

The folder is put in the environment before config.settings reads it, and inherited by the worker
processes some tests start.
"""

import os
import tempfile

os.environ.setdefault("CLAUSES_VAR_DIR", tempfile.mkdtemp(prefix="clauses-tests-"))

from config.settings import *  # noqa: E402, F403

# A task run in the test's process (``task.apply()``, or eager mode) raises its exception instead of returning
# it in a result nobody reads: a test of a task that fails cannot pass by accident.
CELERY_TASK_EAGER_PROPAGATES = True
# An e-mail a request records is sent by its task in the test's process once the transaction commits (not through
# the broker), so that the tests of the messages read them in the outbox; the tests of the worker's path through
# the broker (tests/test_pannes.py) turn it off.
CLAUSES_COURRIELS_SUR_PLACE = True
