"""Second names for existing modules: the same module objects, nothing copied.

Workflow files written for upstream AIFlow import ``ai_flow.model.workflow``
and ``notification_service.model.event``. An :class:`AliasFinder` on
``sys.meta_path`` resolves such a name to the module it stands for and
returns that very module, so classes, ``isinstance`` checks and module state
are shared across both names.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

Resolver = Callable[[str], "str | None"]
"""Maps the path below an alias (``model.workflow``) to the real module's name, or ``None``."""


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias by importing its target and returning that same module."""

    def __init__(self, target: str) -> None:
        self._target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self._target)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the target module was executed when it was imported."""


class AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``<alias>.<path>`` to the existing module ``resolve(path)``.

    Names the resolver does not map, or maps to a module that does not exist,
    are left to the other finders.
    """

    def __init__(self, alias: str, resolve: Resolver) -> None:
        self.alias = alias
        self._resolve = resolve

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        prefix = self.alias + "."
        if not fullname.startswith(prefix):
            return None
        target_name = self._resolve(fullname[len(prefix) :])
        if target_name is None or importlib.util.find_spec(target_name) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))


def install_alias(alias: str, resolve: Resolver) -> None:
    """Make ``<alias>.<path>`` import the module named ``resolve(path)``; a second call does nothing."""
    if any(isinstance(f, AliasFinder) and f.alias == alias for f in sys.meta_path):
        return
    # First in line, so the path finder never loads a target's file a second
    # time under the alias name.
    sys.meta_path.insert(0, AliasFinder(alias, resolve))
