"""The error every :mod:`aiflow.ops` function raises when a call fails."""

from __future__ import annotations

from aiflow.errors import AIFlowError


class AIFlowException(AIFlowError):
    """A call to the AIFlow server failed, or could not be made.

    ``status_code`` is the HTTP status of the server's answer (``None`` when
    the server was not reached), ``error`` its short kind (``"not_found"``)
    and ``detail`` its readable message, which is also the exception's text.
    """

    def __init__(self, detail: str, status_code: int | None = None, error: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.error = error
