"""Blob managers of the spec (``ai_flow.blob_manager`` in upstream's layout); the built-in ones are in ``impl``."""
