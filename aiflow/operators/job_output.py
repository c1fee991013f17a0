"""Watch a job client's output for the id of the job it submitted."""

from __future__ import annotations

import re

from aiflow.operators.process import log_line


class JobIdWatcher:
    """A line handler that logs each line and remembers the first match of ``pattern``.

    The first group of ``pattern`` is the id, available as :attr:`job_id`.
    """

    def __init__(self, pattern: str) -> None:
        self._pattern = re.compile(pattern)
        self.job_id: str | None = None

    def __call__(self, line: str) -> None:
        log_line(line)
        if self.job_id is None:
            match = self._pattern.search(line)
            if match:
                self.job_id = match.group(1)
