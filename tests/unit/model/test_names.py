"""The one name rule of namespaces, workflows and tasks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.names import MAX_NAME_LENGTH, check_name

ROOT = Path(__file__).parents[3]


@pytest.mark.parametrize(
    "name",
    ["default", "wf", "task_1", "event_trigger_workflow_1", "my-team", "v1.2", "A", "9", ".hidden", "a.b-c_d",
     "x" * MAX_NAME_LENGTH],
)
def test_plain_identifiers_pass(name: str) -> None:
    assert check_name("Workflow", name) == name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (None, "Task name must be a string, got NoneType"),
        (3, "Task name must be a string, got int"),
        (b"bytes", "Task name must be a string, got bytes"),
        ("", "Task name '' must not be empty"),
        ("x" * (MAX_NAME_LENGTH + 1), "is 256 characters long; the limit is 255"),
        (" padded", "must not start or end with blanks"),
        ("padded\n", "must not start or end with blanks"),
        ("a b", "may hold only letters, digits"),
        ("a/b", "may hold only letters, digits"),
        ("/etc", "may hold only letters, digits"),
        ("a\\b", "may hold only letters, digits"),
        ("nul\x00byte", "may hold only letters, digits"),
        ("bell\x07", "may hold only letters, digits"),
        ("café", "may hold only letters, digits"),
        ("a:b", "may hold only letters, digits"),
        (".", "must not be '.' or contain '..'"),
        ("..", "must not be '.' or contain '..'"),
        ("a..b", "must not be '.' or contain '..'"),
        ("...", "must not be '.' or contain '..'"),
    ],
)
def test_anything_else_is_refused_with_the_reason(name: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        check_name("Task", name)


def test_a_long_name_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidInputError) as caught:
        check_name("Task", "y" * 10_000)

    assert len(str(caught.value)) < 200


def test_every_name_the_samples_and_readme_declare_passes() -> None:
    sources = [*ROOT.glob("samples/**/*.py"), ROOT / "README.md"]
    pattern = re.compile(r"""\b(?:name|namespace)\s*=\s*["']([^"']*)["']""")
    names = {match for source in sources for match in pattern.findall(source.read_text(encoding="utf-8"))}

    assert len(names) > 20
    assert [name for name in sorted(names) if not _passes(name)] == []


def _passes(name: str) -> bool:
    try:
        check_name("Sample", name)
    except InvalidInputError:
        return False
    return True
