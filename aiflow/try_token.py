"""The credential of one try: ``aiflow-try.<task_execution_id>.<try_number>.<hmac>``.

The scheduler mints a token for each start job it sends (:mod:`aiflow.scheduler.outbox`); the worker
hands it to the try's process in ``AIFLOW_TASK_RUNTIME``; the API server accepts it in place of an API
token, for that try's namespace only and only while the try is live (:mod:`web.try_tokens`).

``<hmac>`` is the hex HMAC-SHA256 of ``aiflow-try.<task_execution_id>.<try_number>`` under a key that
only the scheduler and the API server hold (in the metadata database, :mod:`aiflow.metadata.try_key`).
Nobody else can make one, and changing either id breaks it. A token grants nothing by itself: the API
server also looks the try up, so a token of a try that ended or was retried is refused.

Pure code: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

PREFIX = "aiflow-try"
TRY_TOKEN_HEADER = "aiflow_try_token"
"""The header of a start job's Celery message that carries the token (docs/contracts.md §2)."""
_DIGEST_HEX = 64


@dataclass(frozen=True)
class TryId:
    """The try a token names."""

    task_execution_id: int
    try_number: int

    def describe(self) -> str:
        """Return ``try <n> of task execution <id>``, for messages (never the token itself)."""
        return f"try {self.try_number} of task execution {self.task_execution_id}"


def mint(key: bytes, task_execution_id: int, try_number: int) -> str:
    """Return the token of try ``try_number`` of task execution ``task_execution_id``."""
    named = f"{PREFIX}.{task_execution_id}.{try_number}"
    return f"{named}.{_mac(key, named)}"


def looks_like_try_token(secret: str) -> bool:
    """Whether ``secret`` has the token's prefix (checked or not): API tokens never start with it."""
    return secret.startswith(PREFIX + ".")


def verify(key: bytes, token: str) -> TryId | None:
    """Return the try ``token`` names when its HMAC is right under ``key``; None for anything else.

    The HMAC is compared in constant time; a malformed token is refused the same way as a forged one.
    """
    named, _, mac = token.rpartition(".")
    prefix, _, ids = named.partition(".")
    execution, _, number = ids.partition(".")
    well_formed = prefix == PREFIX and _is_id(execution) and _is_id(number) and len(mac) == _DIGEST_HEX
    if not (well_formed and mac.isascii() and hmac.compare_digest(_mac(key, named), mac)):
        return None
    return TryId(int(execution), int(number))


def _mac(key: bytes, named: str) -> str:
    return hmac.new(key, named.encode("ascii"), hashlib.sha256).hexdigest()


def _is_id(text: str) -> bool:
    """A positive decimal integer without sign, blanks or leading zeros (so each try has one spelling)."""
    return text.isascii() and text.isdigit() and not text.startswith("0") and len(text) <= 19
