"""The task runtime: a supervisor in the worker and a child process that runs the operator.

``supervisor.py`` starts ``child.py`` with ``python -m`` in the try's working
folder, streams its output to the try's log, beats its heartbeat, ends it on a
stop or a time-out, and turns how it ended into the try's final status. The
two talk over a pipe with the JSON lines of ``messages.py``.
"""
