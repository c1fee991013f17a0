"""Starting and stopping AIFlow's processes on one machine.

``aiflow standalone``, ``aiflow server start`` and ``aiflow webserver start``
run their parts as child processes of one supervisor (:mod:`.supervisor`);
``-d`` runs that supervisor in the background (:mod:`.daemon`) with a pid
file (:mod:`.host`) that ``stop`` uses.
"""
