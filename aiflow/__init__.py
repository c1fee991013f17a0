"""AIFlow: an event-based workflow orchestrator."""

__version__ = "0.1.0"
