"""What user code asks of the context it runs in (``ai_flow.context`` in upstream's layout)."""
