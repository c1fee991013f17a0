"""The first code of a sandboxed interpreter: ``python -I -B boot.py <setup> <module> <args...>``.

It runs as a script, before AIFlow is importable: the child may read the
folders of AIFlow's own packages but not the folder holding them (a project
root may hold ``AIFLOW_HOME``), so ordinary path-based imports cannot find
them. ``<setup>`` is JSON naming each package's folder and the folders to put
first on ``sys.path``; the packages are found by name ahead of ``sys.path``, so
nothing the child can write shadows them. Then ``<module>`` runs as
``__main__`` with ``sys.argv[1:]`` set to ``<args>``. Standard library only.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import runpy
import sys
from collections.abc import Sequence
from types import ModuleType


class PackageFinder:
    """Finds the named top-level packages in their folders; their submodules are found as usual."""

    def __init__(self, packages: dict[str, str]) -> None:
        self.packages = packages

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        folder = self.packages.get(name)
        if folder is None:
            return None
        init = os.path.join(folder, "__init__.py")
        return importlib.util.spec_from_file_location(name, init, submodule_search_locations=[folder])


def main(argv: list[str]) -> None:
    """Set up imports from ``argv[1]``, then run module ``argv[2]`` with the remaining arguments."""
    setup = json.loads(argv[1])
    sys.meta_path.insert(0, PackageFinder(setup["packages"]))
    sys.path[:0] = setup["python_path"]
    sys.argv = [argv[2], *argv[3:]]
    runpy.run_module(argv[2], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv)
