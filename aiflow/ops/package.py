"""Packing a workflow file and its artifacts into the zip the server stores per snapshot.

The workflow file sits at the top of the archive; each artifact file sits
next to it under its own name, and each artifact directory under its own
name with its tree, so paths relative to the workflow file keep working.
Entries are sorted and carry a fixed time and mode: the same files always
make the same bytes, and so the same content hash (no new snapshot).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiflow.ops.errors import AIFlowException

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
SKIPPED_DIRECTORIES = frozenset({"__pycache__"})


@dataclass(frozen=True)
class WorkflowPackage:
    """The zip bytes and the name of the workflow file in them."""

    entry: str
    data: bytes


def build_package(workflow_file: str | os.PathLike[str], artifacts: Sequence[str] = ()) -> WorkflowPackage:
    """Zip ``workflow_file`` and ``artifacts`` (files or directories).

    Raises:
        AIFlowException: a path does not exist, or two paths would take the same name in the zip.
    """
    workflow = Path(workflow_file)
    if not workflow.is_file():
        raise AIFlowException(f"workflow file {str(workflow)!r} does not exist")
    members: dict[str, Path] = {}
    for name, path in _members([workflow, *map(Path, artifacts)]):
        if name in members:
            raise AIFlowException(f"{str(path)!r} and {str(members[name])!r} would both be {name!r} in the package")
        members[name] = path
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name].read_bytes())
    return WorkflowPackage(workflow.name, buffer.getvalue())


def _members(paths: Sequence[Path]) -> Iterator[tuple[str, Path]]:
    """Yield ``(name in the zip, file)`` for every file named by ``paths``."""
    for path in paths:
        if path.is_file():
            yield path.name, path
        elif path.is_dir():
            for file in _files_below(path):
                yield (Path(path.resolve().name) / file.relative_to(path)).as_posix(), file
        else:
            raise AIFlowException(f"artifact {str(path)!r} does not exist")


def _files_below(directory: Path) -> Iterator[Path]:
    for root, folders, files in os.walk(directory):
        folders[:] = [name for name in folders if name not in SKIPPED_DIRECTORIES]
        for name in files:
            yield Path(root, name)
