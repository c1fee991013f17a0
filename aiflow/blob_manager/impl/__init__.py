"""The built-in blob managers, each a :class:`~aiflow.blob_manager.impl.store_blob_manager.StoreBlobManager`.

Their class paths are those the spec documents under both of its spellings:
``ai_flow.blob_manager.impl.<module>.<Class>`` and
``ai_flow_plugins.blob_manager_plugins.<module>.<Class>`` name the same class.
"""
