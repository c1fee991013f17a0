"""The scheduler: applies the ordered event log to workflow executions, exactly once."""
