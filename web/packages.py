"""Uploaded workflow packages: check the zip, unpack it, load the workflow file.

A package is a zip of the workflow file and the files it needs. Members with
absolute paths or ``..`` are refused before anything is written; the file is
loaded by :func:`aiflow.loader.loader.load_workflow_file` in a child process
with a time limit, from a temporary folder removed afterwards.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge

from aiflow.errors import InvalidInputError
from aiflow.loader.collect import LoadedWorkflow
from aiflow.loader.errors import WorkflowFileError
from aiflow.loader.loader import load_workflow_file
from aiflow.plan import PlanError, WorkflowPlan
from notification.event import DEFAULT_NAMESPACE

_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Package:
    """A checked and loaded package: its bytes, their hash, the workflow file and its workflows."""

    data: bytes
    content_hash: str
    entry: str
    source: str
    workflows: list[LoadedWorkflow]

    @property
    def blob_key(self) -> str:
        """Where the package is kept in the blob store (shared by identical packages)."""
        return package_key(self.content_hash)

    def plan(self, name: str | None, namespace: str) -> WorkflowPlan:
        """Return the plan to store in ``namespace``: of the workflow named ``name``, or of the only one.

        The plan comes from the sandboxed loader, so it is validated here as the scheduler will read it.

        Raises:
            InvalidInputError: no such workflow, several without a name, another namespace, or a bad plan.
        """
        loaded = self._workflow(name, namespace)
        plan = WorkflowPlan.from_dict(loaded.plan)
        if plan.name != loaded.name:
            raise PlanError(f"the loader described workflow {plan.name!r} as {loaded.name!r}")
        return replace(plan, namespace=namespace)

    def _workflow(self, name: str | None, namespace: str) -> LoadedWorkflow:
        names = [w.name for w in self.workflows]
        if name is None and len(names) > 1:
            raise InvalidInputError(f"{self.entry} declares workflows {names}; name one with the field 'name'")
        chosen = next((w for w in self.workflows if name in (None, w.name)), None)
        if chosen is None:
            raise InvalidInputError(f"{self.entry} declares no workflow {name!r}; it declares {names}")
        if chosen.namespace not in (DEFAULT_NAMESPACE, namespace):
            raise InvalidInputError(
                f"workflow {chosen.name!r} declares namespace {chosen.namespace!r} but is uploaded to {namespace!r}"
            )
        return chosen


def package_key(content_hash: str) -> str:
    """Return the blob key of the package whose SHA-256 is ``content_hash``."""
    return f"packages/{content_hash}.zip"


def read_package(data: bytes, entry: str | None, max_bytes: int, load_timeout: float) -> Package:
    """Check, unpack and load the zip ``data``; ``entry`` names the workflow file in it.

    Raises:
        InvalidInputError: not a zip, an unsafe member, no such or no single workflow file.
        WorkflowFileError: the workflow file does not load; named relative to the package.
        RequestEntityTooLarge: the unpacked files exceed ``max_bytes``.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInputError("the field 'package' is not a zip archive") from None
    with archive:
        _check_members(archive, max_bytes)
        entry = _entry(archive, entry)
        with tempfile.TemporaryDirectory(prefix="aiflow-upload-") as folder:
            archive.extractall(folder)
            workflows = _load(folder, entry, load_timeout)
            source = Path(folder, entry).read_text(encoding="utf-8", errors="replace")
    return Package(data, hashlib.sha256(data).hexdigest(), entry, source, workflows)


def _check_members(archive: zipfile.ZipFile, max_bytes: int) -> None:
    for member in archive.infolist():
        name = member.filename.replace("\\", "/")
        if name.startswith("/") or _DRIVE.match(name) or ".." in name.split("/"):
            raise InvalidInputError(f"unsafe path in package: {member.filename!r} (absolute or with '..')")
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > max_bytes:
        raise RequestEntityTooLarge(f"the package unpacks to {unpacked} bytes; the limit is {max_bytes}")


def _entry(archive: zipfile.ZipFile, entry: str | None) -> str:
    names = [name for name in archive.namelist() if not name.endswith("/")]
    if entry is not None:
        if entry not in names or not entry.endswith(".py"):
            raise InvalidInputError(f"the package holds no Python file {entry!r} (field 'entry')")
        return entry
    top_level = [name for name in names if "/" not in name and name.endswith(".py")]
    if len(top_level) != 1:
        raise InvalidInputError(
            f"the package has {len(top_level)} top-level .py files; name the workflow file with the field 'entry'"
        )
    return top_level[0]


def _load(folder: str, entry: str, timeout: float) -> list[LoadedWorkflow]:
    try:
        return load_workflow_file(os.path.join(folder, entry), timeout)
    except WorkflowFileError as error:
        file = os.path.relpath(error.file, folder) if error.file.startswith(folder + os.sep) else error.file
        raise WorkflowFileError(file, error.line, error.message) from None
