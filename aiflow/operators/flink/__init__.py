"""Submit Flink jobs with the ``flink`` command line."""
