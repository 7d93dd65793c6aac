"""Settings for the test suite: production settings with a throw-away key and plain static files.

DEBUG stays off, as in production, so tests see what users see.
"""

import copy
import os

os.environ.setdefault("SECRET_KEY", "test-only-key-" + "0123456789" * 4)
os.environ.setdefault("SECURE_COOKIES", "false")
# The test client speaks plain HTTP; the redirect to HTTPS has its own test (core/tests).
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from samplan.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The replica alias exists in the tests as a second connection to the test database (Django's
# test MIRROR). Replica reads stay off: most tests run inside one transaction that another
# connection cannot see; samplan/core/tests/test_replica.py turns them on in committed tests.
DATABASES["replica"] = {  # noqa: F405
    **copy.deepcopy(DATABASES["default"]),  # noqa: F405
    "TEST": {"MIRROR": "default"},
}
DATABASE_REPLICA_READS = False
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "samplan.messaging.sms.LocmemBackend"
# Static files come from the app folders through the finders; nothing is collected in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
