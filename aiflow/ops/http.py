"""The one HTTP client of the SDK: base URL, bearer token, JSON, errors and paging.

The server address and token come from ``aiflow_client.yaml``
(``server_address``, ``token``) or the ``AIFLOW_SERVER_ADDRESS`` and
``AIFLOW_TOKEN`` environment variables, read at each call so a changed
configuration takes effect at once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from aiflow.config import ClientConfig, load_client_config
from aiflow.ops.errors import AIFlowException

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PAGE_SIZE = 1000
"""The largest page the server returns; lists without a limit are read page by page."""

TIMEOUT = (10.0, 300.0)
"""Seconds to connect and to wait for an answer (an upload loads the workflow file first)."""


@dataclass(frozen=True)
class Server:
    """Where the API server is and how to authenticate to it."""

    base_url: str
    token: str | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: ClientConfig) -> Server:
        """Build from the client configuration."""
        return cls.at(config.server_address, config.token or None)

    @classmethod
    def at(cls, address: str, token: str | None = None) -> Server:
        """The server at ``address``; ``host:port`` means ``http://host:port``, and the API prefix is added."""
        address = address.strip().rstrip("/")
        if "://" not in address:
            address = f"http://{address}"
        if not address.endswith(API_PREFIX):
            address += API_PREFIX
        return cls(address, token)

    def headers(self) -> dict[str, str]:
        """The request headers: the bearer token when one is configured."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def resource(*parts: str | int) -> str:
    """Return the API path of ``parts``, each quoted as one segment: ``/namespaces/my%20ns``."""
    return "".join("/" + quote(str(part), safe="") for part in parts)


def workflow_resource(namespace: str, workflow_name: str, *parts: str | int) -> str:
    """Return the API path of a workflow, or of ``parts`` below it."""
    return resource("namespaces", namespace, "workflows", workflow_name, *parts)


def call(method: str, path: str, **kwargs: Any) -> Any:
    """Send one request to ``path`` below the API prefix; return the decoded JSON answer.

    ``kwargs`` are passed to :func:`requests.request` (``params``, ``json``,
    ``files``, ``data``). An empty answer (204) returns ``None``.

    Raises:
        AIFlowException: the server was not reached or answered with an error.
    """
    return call_server(Server.from_config(load_client_config()), method, path, **kwargs)


def call_server(server: Server, method: str, path: str, *, timeout: Any = TIMEOUT, **kwargs: Any) -> Any:
    """Like :func:`call`, to ``server`` rather than the configured one."""
    url = server.base_url + path
    logger.debug("SDK: %s %s", method, url)
    try:
        response = requests.request(method, url, headers=server.headers(), timeout=timeout, **kwargs)
    except requests.exceptions.InvalidJSONError as exc:  # NaN or Infinity in the body: the request is never sent
        raise AIFlowException(f"the request is not valid JSON: {exc}", error="invalid_input") from exc
    except requests.RequestException as exc:
        raise AIFlowException(f"cannot reach the AIFlow server at {server.base_url}: {exc}") from exc
    if not response.ok:
        raise error_of(response.status_code, response.content, response.reason)
    return response.json() if response.content else None


def error_of(status: int, body: bytes, reason: str = "") -> AIFlowException:
    """Turn an error answer (``{"error", "detail"}``, or any text) into an exception."""
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and decoded.get("detail"):
        return AIFlowException(str(decoded["detail"]), status, decoded.get("error"))
    text = body.decode("utf-8", "replace").strip().splitlines()
    detail = text[0] if text else reason
    return AIFlowException(f"HTTP {status} from the AIFlow server: {detail}", status)


def call_or_none(method: str, path: str, **kwargs: Any) -> Any:
    """Like :func:`call`, but return ``None`` when the server answers 404."""
    try:
        return call(method, path, **kwargs)
    except AIFlowException as exc:
        if exc.status_code == 404:
            return None
        raise


def list_items(path: str, limit: int | None = None, offset: int | None = None) -> list[dict[str, Any]]:
    """Return the items of the list at ``path``; all of them after ``offset`` when ``limit`` is ``None``."""
    start = offset or 0
    items: list[dict[str, Any]] = []
    while limit is None or len(items) < limit:
        size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - len(items))
        page = call("GET", path, params={"limit": size, "offset": start + len(items)})
        items.extend(page["items"])
        if not page["items"] or start + len(items) >= page["total"]:
            break
    return items
