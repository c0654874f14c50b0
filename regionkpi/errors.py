"""The product's one error base class.

Every failure the product expects - a missing setting, a gate that fails, nothing published yet, no
browser for the PDFs, a Kolada outage - is a :class:`RegionkpiError`: the CLI prints its message on one
line (``error: ...``) and exits 2. Anything else is a bug: one line and a hint to rerun with ``-v``,
which shows the traceback. Each error keeps its older built-in base too (``FileNotFoundError``,
``ValueError``, ``RuntimeError``), so code that catches those still does.
"""


class RegionkpiError(Exception):
    """An expected failure, said in one line to the person who ran the command."""
