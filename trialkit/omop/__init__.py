"""Cohorts evaluated inside OMOP CDM v5.4 databases (DuckDB, PostgreSQL, Spark, ...) through ibis.

* :mod:`trialkit.omop.mapping` — the field → CDM mapping (``data/omop/fields.csv``, data, reviewed like rules);
* :mod:`trialkit.omop.source` — opening a source (``duckdb:///…``, a PostgreSQL URL, a parquet folder) with
  clear errors;
* :mod:`trialkit.omop.compile` — per-person field values at the index date and the rules compiled to
  database expressions (the same three-valued codes as the in-memory engine, :mod:`trialkit.criteria.kleene`);
* :mod:`trialkit.omop.scan` — one GROUP BY over each person's code pattern → the shared cohort analysis;
* :mod:`trialkit.omop.synthetic` — a seeded SYNTHETIC OMOP database (the embedded default and test oracle).
"""
