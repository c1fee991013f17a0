"""Reading and writing configuration files declared as frozen dataclasses.

A configuration is a frozen dataclass whose fields carry a default and a
description (see :func:`option`). :func:`load_config` reads a YAML file into
it, applies environment overrides (``<PREFIX><KEY>`` upper-cased), expands
``{NAME}`` / ``${NAME}`` placeholders and checks every value's type, so the
rest of the code receives plain, typed values and never reads a file itself.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml

from aiflow.config.durations import format_duration, parse_duration
from aiflow.errors import ConfigError
from aiflow.file_modes import PRIVATE_FILE, private_folder

C = TypeVar("C")

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def option(default: Any, description: str) -> Any:
    """Declare a configuration key with its default and a one-line description."""
    return dataclasses.field(default=default, metadata={"description": description})


def load_config(
    cls: type[C],
    path: Path,
    env_prefix: str,
    placeholders: Mapping[str, str],
    environ: Mapping[str, str] | None = None,
) -> C:
    """Build ``cls`` from the file at ``path`` (defaults where it is absent) and the environment.

    Raises:
        ConfigError: the file is not a YAML mapping, names an unknown key, or a
            value has the wrong type. The message names the file and the key.
    """
    environ = os.environ if environ is None else environ
    raw = _read_yaml(path)
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        source = str(path)
        value = raw.pop(field.name, default_of(field))
        env_name = env_prefix + field.name.upper()
        if env_name in environ:
            source, value = f"environment variable {env_name}", _from_env(environ[env_name])
        values[field.name] = _coerce(value, hints[field.name], placeholders, f"{source}: {field.name}")
    if raw:
        raise ConfigError(f"{path}: unknown key {sorted(raw)[0]!r}")
    return cls(**values)


def render_template(cls: type, values: Mapping[str, Any] | None = None) -> str:
    """Return the commented YAML text of ``cls``'s defaults, as written by ``config init``.

    ``values`` replace the defaults of some keys. Defaults keep their
    placeholders (``{AIFLOW_HOME}/logs``), so the written file follows the
    home directory it is read from.
    """
    values = values or {}
    lines: list[str] = []
    for field in dataclasses.fields(cls):
        value = values[field.name] if field.name in values else to_yaml_value(default_of(field))
        lines.append(f"# {field.metadata['description']}")
        lines.append(yaml.safe_dump({field.name: value}, sort_keys=False).rstrip())
        lines.append("")
    return "\n".join(lines)


def write_config_file(path: Path, cls: type, values: Mapping[str, Any] | None = None) -> bool:
    """Write :func:`render_template` to ``path`` unless the file exists; return whether it was written.

    The file is readable by its owner only (0600, in a new folder 0700): it may hold tokens.
    """
    private_folder(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(render_template(cls, values))
    return True


def config_items(config: Any) -> list[tuple[str, Any]]:
    """Return ``(key, value)`` pairs of a loaded configuration, in declaration order."""
    return [(f.name, to_yaml_value(getattr(config, f.name))) for f in dataclasses.fields(config)]


def describe(cls: type) -> list[tuple[str, str]]:
    """Return ``(key, description)`` for every key of a configuration class."""
    return [(f.name, f.metadata["description"]) for f in dataclasses.fields(cls)]


def default_of(field: dataclasses.Field[Any]) -> Any:
    """Return a field's default, calling its factory when it has one."""
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def to_yaml_value(value: Any) -> Any:
    """Return ``value`` in the form it takes in a YAML file."""
    return format_duration(value) if isinstance(value, timedelta) else value


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys to values, got {type(data).__name__}")
    return data


def _from_env(text: str) -> Any:
    """Parse an environment override as a YAML scalar or mapping (``5`` -> 5, ``{a: 1}`` -> dict)."""
    try:
        return yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return text


def _coerce(value: Any, hint: Any, placeholders: Mapping[str, str], where: str) -> Any:
    """Check ``value`` against the field's type hint, converting text where it is unambiguous."""
    allowed = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, _UnionType) else (hint,)
    if value is None:
        if type(None) in allowed:
            return None
        raise ConfigError(f"{where}: a value is required")
    target = next(t for t in allowed if t is not type(None))
    target = typing.get_origin(target) or target  # dict[str, Any] -> dict
    try:
        return _CONVERTERS[target](value, placeholders)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _to_str(value: Any, placeholders: Mapping[str, str]) -> str:
    if isinstance(value, (dict, list)):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return expand_placeholders(str(value), placeholders)


def _to_int(value: Any, _: Mapping[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"expected an integer, got {value!r}")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"expected an integer, got {value!r}") from None


def _to_float(value: Any, _: Mapping[str, str]) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"expected a number, got {value!r}")
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"expected a number, got {value!r}") from None


def _to_bool(value: Any, _: Mapping[str, str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _to_dict(value: Any, placeholders: Mapping[str, str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a mapping, got {value!r}")
    return {k: _expand_nested(v, placeholders) for k, v in value.items()}


def _expand_nested(value: Any, placeholders: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return expand_placeholders(value, placeholders)
    if isinstance(value, dict):
        return {k: _expand_nested(v, placeholders) for k, v in value.items()}
    return value


def _to_duration(value: Any, _: Mapping[str, str]) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(str(value))


_UnionType = type(int | None)
_CONVERTERS = {
    str: _to_str,
    int: _to_int,
    float: _to_float,
    bool: _to_bool,
    dict: _to_dict,
    timedelta: _to_duration,
}


def expand_placeholders(text: str, placeholders: Mapping[str, str]) -> str:
    """Replace ``{NAME}`` and ``${NAME}`` for each known placeholder name; leave other text alone."""
    if not placeholders:
        return text
    names = "|".join(re.escape(name) for name in placeholders)
    return re.sub(r"\$?\{(" + names + r")\}", lambda m: placeholders[m.group(1)], text)
