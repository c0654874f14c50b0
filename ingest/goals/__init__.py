"""The goal extracts a region delivers itself: its targets (målvärden), its goal structure (målstruktur)
and the indicator values no source system computes (survey results, Öppna jämförelser, counts).

See :mod:`ingest.goals.extracts` and docs/extracts/goal_*.md.
"""
