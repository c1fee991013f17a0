"""Evaluating users' custom conditions in sandboxed processes, one per namespace (see README.md)."""
