"""The ``aiflow`` command line (click)."""
