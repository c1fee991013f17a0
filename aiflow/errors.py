"""The errors AIFlow raises on purpose.

Every error a user can cause or meet derives from :class:`AIFlowError`, so the
REST API and the CLI can turn them into a clear message by class::

    AIFlowError
     ├── NotFoundError        an id or name that does not exist (HTTP 404)
     ├── ConflictError        the request clashes with what is stored (HTTP 409)
     ├── InvalidInputError    a bad workflow file, cron expression, event, option (HTTP 400)
     │    └── ConfigError     a malformed configuration file or value
     └── TransientError       a dependency is briefly unavailable; retrying may help (HTTP 503)
"""

from __future__ import annotations


class AIFlowError(Exception):
    """Base of every error AIFlow raises deliberately."""


class NotFoundError(AIFlowError):
    """An object named by the caller does not exist."""


class ConflictError(AIFlowError):
    """The request is valid but clashes with the stored state."""


class InvalidInputError(AIFlowError):
    """The caller gave input AIFlow cannot accept."""


class ConfigError(InvalidInputError):
    """A configuration file or value is malformed or of the wrong type."""


class TransientError(AIFlowError):
    """A service AIFlow depends on did not answer; the same call may succeed later."""
