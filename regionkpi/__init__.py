"""Regional KPI warehouse. This package is the foundation every layer builds on: settings, errors,
durable file writes, personnummer, the statutory rules (suppression) and the GX runner. The jobs that
put the layers together (pipeline, CLI, demo) live in :mod:`regionkpi.jobs`; see docs/architecture.md.
"""

__version__ = "0.1.0"
