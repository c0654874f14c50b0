"""Ingest: extract files from landing/ to the immutable raw layer, checked against their contracts.

No Airflow import here: Airflow tasks and the ``regionkpi`` command line both call
:func:`ingest.landing.ingest_landing` (or :func:`ingest.landing.ingest_file`).
"""
