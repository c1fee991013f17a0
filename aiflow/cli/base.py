"""What every AIFlow command line shares: error handling, the ``--verbose`` switch, ``--metrics-port``.

Errors derived from :class:`aiflow.errors.AIFlowError` (and a few well-known
library errors) become one readable line on stderr and exit code 1; the
traceback is shown only with ``--verbose``.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from aiflow.errors import AIFlowError

F = TypeVar("F", bound=Callable[..., Any])

#: The errors of these libraries are expected too (a database or Redis that is away, a bad URL).
_LIBRARY_ERRORS = {"sqlalchemy": ("sqlalchemy.exc", "SQLAlchemyError"), "redis": ("redis.exceptions", "RedisError")}


class CommandError(click.ClickException):
    """An expected failure, shown as ``Error: <message>`` with exit code 1."""


HELP_OPTIONS = ["-h", "--help"]


class AIFlowGroup(click.Group):
    """A click group whose commands turn expected errors into :class:`CommandError`.

    Usage errors become one-line errors with exit code 1 as well, rather than
    click's usage text and exit code 2. ``-h`` shows help as ``--help`` does,
    here and in every command below.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        kwargs["context_settings"] = {"help_option_names": HELP_OPTIONS, **(kwargs.get("context_settings") or {})}
        super().__init__(*args, **kwargs)
        self._lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a command, importing it from its ``module:attribute`` in ``lazy_commands`` when first asked."""
        if cmd_name in self._lazy_commands and cmd_name not in self.commands:
            module, attribute = self._lazy_commands[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise CommandError(exc.format_message()) from exc
        except Exception as exc:
            if not is_expected_error(exc) or (ctx.find_root().obj or {}).get("verbose"):
                raise
            raise CommandError(describe_error(exc)) from exc


def _library_error(library: str) -> type[BaseException] | None:
    """The base error class of ``library`` if it is loaded (an error of one never loaded cannot occur)."""
    if library not in sys.modules:
        return None
    module, name = _LIBRARY_ERRORS[library]
    error: type[BaseException] = getattr(importlib.import_module(module), name)
    return error


def is_expected_error(exc: BaseException) -> bool:
    """Whether ``exc`` is a failure a command reports in one line (not a bug)."""
    return isinstance(exc, (AIFlowError, OSError)) or any(
        (error := _library_error(library)) is not None and isinstance(exc, error) for library in _LIBRARY_ERRORS)


def describe_error(exc: BaseException) -> str:
    """Return a one-line description of an expected error."""
    if (error := _library_error("sqlalchemy")) is not None and isinstance(exc, error):
        return f"database error: {str(getattr(exc, 'orig', None) or exc).splitlines()[0]}"
    if (error := _library_error("redis")) is not None and isinstance(exc, error):
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


def metrics_port_option(key: str) -> Callable[[F], F]:
    """Add ``--metrics-port`` to a long-running command: the port of its metrics endpoint, instead of ``key``."""
    return click.option("--metrics-port", type=click.IntRange(0, 65535), default=None,
                        help=f"Port of the Prometheus metrics endpoint; 0: none  [default: {key}].")
