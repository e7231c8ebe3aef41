"""imr-rules: check workers' compensation treatment requests against MTUS/ODG criteria.

The public API is small and has no terminal dependencies (no rich, no typer), so it can be used
from scripts, notebooks, pandas, Dask or Spark.
"""

__version__ = "0.1.0"
