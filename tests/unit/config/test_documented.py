"""Every configuration key is documented in docs/configuration.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow.config import ClientConfig, ServerConfig
from aiflow.config.loader import describe
from notification.config import NotificationConfig

DOC = (Path(__file__).parents[3] / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("schema", [ServerConfig, ClientConfig, NotificationConfig])
def test_every_key_is_documented(schema: type) -> None:
    missing = [key for key, _ in describe(schema) if f"`{key}`" not in DOC]

    assert not missing, f"keys missing from docs/configuration.md: {missing}"
