"""The pure rule engine: an execution's state and one event in, decisions out."""
