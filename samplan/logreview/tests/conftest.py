"""The log review's fixtures are the access log's (a reviewer and a log with marked rows)."""

from samplan.auditlog.tests.conftest import as_reviewer, log  # noqa: F401 (fixtures)
