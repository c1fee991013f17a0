"""The spec's ``ai_flow_plugins.blob_manager_plugins`` class paths, as aliases of the built-in blob managers.

``ai_flow_plugins.blob_manager_plugins.<module>`` is the very module
``aiflow.blob_manager.impl.<module>`` (see :mod:`aiflow.aliases`).
"""

from __future__ import annotations

from aiflow.aliases import install_alias

PLUGINS = "blob_manager_plugins"

install_alias("ai_flow_plugins", lambda path: "aiflow.blob_manager.impl" + path[len(PLUGINS):]
              if path == PLUGINS or path.startswith(PLUGINS + ".") else None)
