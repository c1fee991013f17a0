"""The task runtime: a supervisor in the worker and a child process that runs the operator.

Each worker process has a fork server (``forkserver.py``, ``zygote.py``), a
process that has imported the runtime and passes each try to its execution's
workflow server (``workflow_server.py``), which has executed the workflow file
once in the execution's working folder and forks the try's child
(``child.py``) in a session of its own, in about a millisecond.
``try_process.py`` and ``supervisor.py`` stream the child's output to the
try's log, beat its heartbeat, end it on a stop or a time-out, and turn how it
ended into the try's final status. The child reports over a pipe with the JSON
lines of ``messages.py``.
"""
