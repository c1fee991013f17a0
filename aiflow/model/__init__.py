"""The workflow model: workflows, tasks, rules, conditions, state and statuses.

Pure code: nothing in this package performs I/O or imports a service client
(see README.md). The scheduler, the workers and the API server build on it.
"""
