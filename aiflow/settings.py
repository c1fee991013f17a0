"""Names of the files AIFlow keeps in its home directory (``ai_flow.settings`` in upstream's layout).

Upstream's module also configures logging when it is imported; here only
entry points (the CLI, the servers, the workers) configure logging, so
importing this module changes nothing.
"""

from __future__ import annotations

AIFLOW_PID_FILENAME = "aiflow_server.pid"
"""The pid file of ``aiflow server start`` and ``aiflow standalone``, in ``$AIFLOW_HOME``."""

AIFLOW_WEBSERVER_PID_FILENAME = "aiflow_webserver.pid"
"""The pid file of ``aiflow webserver start``, in ``$AIFLOW_HOME``."""
