"""Speed and memory of our ingest and build beside a plain pandas script and DuckDB alone (not tests).

``make bench`` (``python -m benchmarks``, :mod:`benchmarks.run`) prints everything in one run. The
data sets: :mod:`benchmarks.ledger` (5 M ledger rows) and :mod:`benchmarks.ridership` (22 M
validations, and five years of history plus a new month). :mod:`benchmarks.measure` runs each step in
a process of its own (:mod:`benchmarks.child`); :mod:`benchmarks.ours` is our pipeline's steps;
:mod:`benchmarks.report` prints the tables and the targets.
"""
