"""The built-in operators: bash, python, flink and spark."""
