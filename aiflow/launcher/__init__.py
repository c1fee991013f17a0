"""Starting and stopping AIFlow's processes on one machine.

``aiflow standalone`` and ``aiflow server start`` run their parts as child
processes of one supervisor (:mod:`.supervisor`), which restarts a part that
dies (:mod:`.backoff` says when). ``-d`` runs that supervisor, or
``aiflow webserver start``, in the background (:mod:`.daemon`) with a pid
file (:mod:`.host`) that ``stop`` uses.
"""
