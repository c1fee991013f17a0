"""What the SDK builds on the user's behalf: built-in conditions and internal event keys."""
