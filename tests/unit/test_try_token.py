"""Try tokens: minted for one try under one key; any change to the ids, the HMAC or the key refuses them."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from aiflow.try_token import TryId, looks_like_try_token, mint, verify

KEY = bytes(range(32))


def test_a_minted_token_names_its_try() -> None:
    token = mint(KEY, 42, 3)

    assert token.startswith("aiflow-try.42.3.")
    assert verify(KEY, token) == TryId(42, 3)
    assert looks_like_try_token(token)


def test_another_key_or_another_try_refuses_it() -> None:
    token = mint(KEY, 42, 3)
    mac = token.rsplit(".", 1)[1]

    assert verify(bytes(32), token) is None
    assert verify(KEY, f"aiflow-try.42.4.{mac}") is None  # the next try
    assert verify(KEY, f"aiflow-try.43.3.{mac}") is None  # another task execution


def test_every_changed_character_of_the_hmac_refuses_it() -> None:
    token = mint(KEY, 7, 1)
    start = len("aiflow-try.7.1.")
    for i in range(start, len(token)):
        changed = token[:i] + ("0" if token[i] != "0" else "1") + token[i + 1:]
        assert verify(KEY, changed) is None, f"character {i} changed"


@pytest.mark.parametrize("spelling", [
    "aiflow-try.07.1", "aiflow-try.7.+1", "aiflow-try.7.-1", "aiflow-try. 7.1", "aiflow-try.7", "aiflow-try.7.1.2",
    "aiflow-try.7.٣", "aiflow-tri.7.1", "aiflow-try.0.1",
])
def test_other_spellings_of_the_ids_are_refused_even_with_their_own_hmac(spelling: str) -> None:
    mac = hmac.new(KEY, spelling.encode(), hashlib.sha256).hexdigest()

    assert verify(KEY, f"{spelling}.{mac}") is None


@pytest.mark.parametrize("token", ["", "aiflow-try.", "aiflow-try.7.1.", "aiflow-try.7.1." + "é" * 64, "Bearer x"])
def test_malformed_tokens_are_refused(token: str) -> None:
    assert verify(KEY, token) is None


def test_api_tokens_do_not_look_like_try_tokens() -> None:
    assert not looks_like_try_token("editor-secret")
    assert not looks_like_try_token("aiflow-tryX.1.1.ab")
