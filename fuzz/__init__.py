"""Fuzzing the SIE 4 parser and the CSV contract path with Hypothesis, for a bounded time (see :mod:`fuzz.run`)."""
