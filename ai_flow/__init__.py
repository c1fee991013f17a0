"""The documented ``ai_flow`` import paths, as aliases of the ``aiflow`` package.

``import ai_flow.model.workflow`` returns the very module object
``aiflow.model.workflow``, so classes, ``isinstance`` checks and module state
are shared across both names. Any ``ai_flow.<path>`` maps to ``aiflow.<path>``;
nothing is copied.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

_ALIAS = "ai_flow"
_TARGET = "aiflow"


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias by importing its target and returning that same module."""

    def __init__(self, target: str) -> None:
        self._target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self._target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the target module was executed when it was imported."""


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``ai_flow.<path>`` to the existing module ``aiflow.<path>``."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(_ALIAS + "."):
            return None
        target_name = _TARGET + fullname[len(_ALIAS) :]
        if importlib.util.find_spec(target_name) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))


if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
    # First in line, so the path finder never loads aiflow's files a second time
    # under an ai_flow name.
    sys.meta_path.insert(0, _AliasFinder())
