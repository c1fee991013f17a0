"""Loading workflow files: run them in a child process, validate and serialize their workflows.

Use :func:`aiflow.loader.loader.load_workflow_file`; every failure is a
:class:`aiflow.loader.errors.WorkflowFileError` naming the file and line.
"""
