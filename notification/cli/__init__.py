"""The ``notification`` command line (click)."""
