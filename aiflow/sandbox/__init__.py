"""Running untrusted Python (workflow files, custom conditions) in sandboxed child processes.

:func:`run_sandboxed` runs a module once with a time limit and capped output;
:class:`SandboxedChild` keeps one running behind pipes. Either way the child
starts behind a trusted reaper (:mod:`aiflow.sandbox.reaper`) that kills
everything it started, with a clean environment, a working folder of its own,
resource limits, no capabilities, Landlock rules and, under a root server, an
unprivileged user. The folder's README says what is guaranteed and what is not.

The package itself imports nothing: a process that needs only its Landlock and
privilege calls (:mod:`workers.runtime.launcher`) stays small.
"""
