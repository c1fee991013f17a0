"""What every AIFlow command line shares: error handling and the ``--verbose`` switch.

Errors derived from :class:`aiflow.errors.AIFlowError` (and a few well-known
library errors) become one readable line on stderr and exit code 1; the
traceback is shown only with ``--verbose``.
"""

from __future__ import annotations

import logging
from typing import Any

import click
import redis.exceptions
import sqlalchemy.exc

from aiflow.errors import AIFlowError

_EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    AIFlowError,
    redis.exceptions.RedisError,
    sqlalchemy.exc.SQLAlchemyError,
    OSError,
)


class CommandError(click.ClickException):
    """An expected failure, shown as ``Error: <message>`` with exit code 1."""


HELP_OPTIONS = ["-h", "--help"]


class AIFlowGroup(click.Group):
    """A click group whose commands turn expected errors into :class:`CommandError`.

    Usage errors become one-line errors with exit code 1 as well, rather than
    click's usage text and exit code 2. ``-h`` shows help as ``--help`` does,
    here and in every command below.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["context_settings"] = {"help_option_names": HELP_OPTIONS, **(kwargs.get("context_settings") or {})}
        super().__init__(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise CommandError(exc.format_message()) from exc
        except _EXPECTED_ERRORS as exc:
            if (ctx.find_root().obj or {}).get("verbose"):
                raise
            raise CommandError(describe_error(exc)) from exc


def describe_error(exc: BaseException) -> str:
    """Return a one-line description of an expected error."""
    if isinstance(exc, sqlalchemy.exc.SQLAlchemyError):
        return f"database error: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}"
    if isinstance(exc, redis.exceptions.RedisError):
        return f"event bus error: {exc}"
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def verbose_option(func: Any) -> Any:
    """Add ``-v/--verbose`` to a root group; it stores the flag and configures logging."""

    def callback(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        ctx.ensure_object(dict)["verbose"] = value
        logging.basicConfig(level=logging.DEBUG if value else logging.WARNING)

    return click.option(
        "--verbose", is_flag=True, expose_value=False, is_eager=True, callback=callback,
        help="Show debug logs and full tracebacks.",
    )(func)
