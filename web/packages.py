"""Uploaded workflow packages: check the zip, unpack it, load the workflow file.

A package is a zip of the workflow file and the files it needs. Members with
absolute paths or ``..`` are refused before anything is written; the file is
loaded by :func:`aiflow.loader.loader.load_workflow_file` in a sandboxed child
process with a time limit, in a temporary folder removed afterwards (the
child may write there). At most ``max_concurrent_loads`` loads run at once on
a host: an upload that finds no free slot within :data:`LOAD_SLOT_WAIT_S`
seconds is refused with :class:`~aiflow.sandbox.slots.NoFreeSlot` (HTTP 503).
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

from aiflow.config import ServerConfig, aiflow_home
from aiflow.errors import InvalidInputError
from aiflow.loader.collect import LoadedWorkflow
from aiflow.loader.errors import WorkflowFileError
from aiflow.loader.loader import load_workflow_file
from aiflow.plan import PlanError, WorkflowPlan
from aiflow.sandbox.policy import policy_from_config
from aiflow.sandbox.slots import Slots
from notification.event import DEFAULT_NAMESPACE

_DRIVE = re.compile(r"^[A-Za-z]:")

LOAD_SLOT_WAIT_S = 1.0
"""Seconds an upload waits for a free load slot before it is refused."""


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


def zip_if_single_file(data: bytes, filename: str | None) -> bytes:
    """Return ``data`` as a package: a ``.py`` file (by its name, when it is not a zip) becomes a zip holding it."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    if not name.endswith(".py") or zipfile.is_zipfile(io.BytesIO(data)):
        return data
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def read_package(data: bytes, entry: str | None, config: ServerConfig) -> Package:
    """Check, unpack and load the zip ``data``; ``entry`` names the workflow file in it.

    Raises:
        InvalidInputError: not a zip, an unsafe member, no such or no single workflow file.
        WorkflowFileError: the workflow file does not load; named relative to the package.
        RequestEntityTooLarge: the unpacked files exceed ``max_upload_bytes``.
        NoFreeSlot: every load slot stayed busy.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInputError("the field 'package' is not a zip archive") from None
    with archive:
        _check_members(archive, config.max_upload_bytes)
        entry = _entry(archive, entry)
        with tempfile.TemporaryDirectory(prefix="aiflow-upload-") as folder:
            archive.extractall(folder)
            source = Path(folder, entry).read_text(encoding="utf-8", errors="replace")  # before the file runs
            workflows = _load(folder, entry, config)
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


def load_slots(config: ServerConfig) -> Slots:
    """Return the load slots the API server processes of this host share."""
    return Slots(aiflow_home() / "run" / "load-slots", config.max_concurrent_loads, "workflow load")


def _load(folder: str, entry: str, config: ServerConfig) -> list[LoadedWorkflow]:
    path, policy = os.path.join(folder, entry), policy_from_config(config)
    try:
        with load_slots(config).hold(LOAD_SLOT_WAIT_S):
            return load_workflow_file(path, config.workflow_load_timeout, policy, writable_folder=True)
    except WorkflowFileError as error:
        file = os.path.relpath(error.file, folder) if error.file.startswith(folder + os.sep) else error.file
        raise WorkflowFileError(file, error.line, error.message) from None
