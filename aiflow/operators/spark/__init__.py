"""Submit Spark jobs with ``spark-submit`` and ``spark-sql``."""
