"""What a running task uses to talk to the event bus (``ai_flow.notification``)."""
