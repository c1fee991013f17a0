"""``notification event send | list | count | listen``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.cli.output import echo_rows, output_option, render
from notification.client import NotificationClient
from notification.config import load_notification_config, notification_home
from notification.event import Event
from notification.listener import ListenerProcessor

#: Seconds a command keeps trying an unreachable server before it reports the failure.
CLI_RETRY_BUDGET_S = 3.0


def cli_client(server_uri: str | None) -> NotificationClient:
    """Return a client configured by ``notification_server.yaml`` (``server_uri`` overrides its URL)."""
    config = load_notification_config()
    return NotificationClient.from_config(config, notification_home(), server_uri, CLI_RETRY_BUDGET_S)


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every event command."""
    func = click.option("-s", "--server-uri", help="Redis URL (or host:port) of the notification server.")(func)
    func = click.option("-n", "--namespace", help="Namespace of the events; all namespaces when omitted.")(func)
    return click.argument("key")(func)


def _begin(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options choosing where reading starts."""
    func = click.option("--begin-offset", type=click.IntRange(min=0),
                        help="Read events after this offset.")(func)
    return click.option("--begin-time", callback=_parse_time, metavar="ISO_DATETIME",
                        help="Read events created at or after this time (ISO 8601).")(func)


def _parse_time(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    """Parse an ISO 8601 date and time (``2026-11-26T17:00:00``, optionally with a UTC offset)."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date and time, e.g. 2026-11-26T17:00:00") from None


@click.group("event", cls=AIFlowGroup)
def event() -> None:
    """Send, list, count and listen to events."""


@event.command()
@_common
@click.argument("value")
@click.option("--context", help="Context of the event.")
@click.option("--sender", help="Sender of the event.")
def send(key: str, value: str, server_uri: str | None, namespace: str | None,
         context: str | None, sender: str | None) -> None:
    """Send an event with KEY and VALUE."""
    with cli_client(server_uri) as client:
        sent = client.send_event(Event(key=key, value=value, namespace=namespace or "default",
                                       sender=sender, context=context))
    click.echo(f"Sent event {key!r} at offset {sent.offset}.")


@event.command("list")
@_common
@_begin
@click.option("--sender", help="Only events of this sender.")
@output_option
def list_(key: str, server_uri: str | None, namespace: str | None, begin_offset: int | None,
          begin_time: datetime | None, sender: str | None, output: str) -> None:
    """List the events of KEY."""
    with cli_client(server_uri) as client:
        events = client.list_events(key, namespace, sender, begin_offset=begin_offset, begin_time=begin_time)
    echo_rows([event_row(e, output) for e in events], output)


@event.command()
@_common
@_begin
@click.option("--sender", help="Only events of this sender.")
def count(key: str, server_uri: str | None, namespace: str | None, begin_offset: int | None,
          begin_time: datetime | None, sender: str | None) -> None:
    """Count the events of KEY."""
    with cli_client(server_uri) as client:
        click.echo(client.count_events(key, namespace, sender, begin_offset=begin_offset, begin_time=begin_time))


@event.command()
@_common
@_begin
def listen(key: str, server_uri: str | None, namespace: str | None, begin_offset: int | None,
           begin_time: datetime | None) -> None:
    """Print the events of KEY as they arrive, until interrupted (Ctrl-C)."""
    with cli_client(server_uri) as client:
        client.register_listener(_Printer(), [key], begin_offset, begin_time, namespace)
        click.echo(f"Listening to {key!r}; press Ctrl-C to stop.", err=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


def event_row(event: Event, output: str) -> dict[str, Any]:
    """Return the printable fields of ``event``; times are ISO 8601 in tables and plain text."""
    row = event.to_dict()
    if output in ("table", "plain") and event.create_time is not None:
        row["create_time"] = datetime.fromtimestamp(event.create_time / 1000).isoformat(timespec="milliseconds")
    return row


class _Printer(ListenerProcessor):
    def process(self, events: list[Event]) -> None:
        click.echo(render([event_row(e, "plain") for e in events], "plain"))

