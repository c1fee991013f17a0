"""The documented ``ai_flow`` import paths, as aliases of the ``aiflow`` package.

``import ai_flow.model.workflow`` returns the very module object
``aiflow.model.workflow`` (see :mod:`aiflow.aliases`). Any ``ai_flow.<path>``
maps to ``aiflow.<path>``, except the older API's ``ai_flow.workflow``, which
is ``aiflow.model``; nothing is copied.
"""

from __future__ import annotations

from aiflow.aliases import install_alias

RENAMED = {"workflow": "model", "workflow.workflow": "model.workflow"}
"""Paths of the older API whose modules live under another name here."""

install_alias("ai_flow", lambda path: f"aiflow.{RENAMED.get(path, path)}")
