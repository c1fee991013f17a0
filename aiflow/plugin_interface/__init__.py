"""Interfaces that plugins implement (``ai_flow.plugin_interface`` in upstream's layout)."""
