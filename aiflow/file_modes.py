"""Files AIFlow writes are its user's alone: 0600 for files, 0700 for folders.

The database, logs, blobs, working folders, configuration files and the embedded
Redis's files may hold secrets or other namespaces' data. Each long-running entry
point (``aiflow standalone``, ``server``, ``scheduler``, ``webserver``, ``worker``,
``notification server start``, the gunicorn and Celery app factories) calls
:func:`keep_files_private` first, so everything the process and its children create
gets these modes; the supervisor also starts its parts with :data:`PRIVATE_UMASK`.
Code that writes a file before that or that may run elsewhere (the configuration
writer, the Redis password, the SQLite file, the blob store) sets the modes itself.
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_UMASK = 0o077
"""The umask that leaves group and others no access to new files and folders."""
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def keep_files_private() -> None:
    """Set this process's umask to :data:`PRIVATE_UMASK` (children inherit it)."""
    os.umask(PRIVATE_UMASK)


def private_folder(path: Path) -> Path:
    """Create ``path`` and its missing parents with mode 0700 (an existing folder keeps its mode); return it."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_FOLDER)
        except FileExistsError:  # another process created it meanwhile
            pass
    return path
