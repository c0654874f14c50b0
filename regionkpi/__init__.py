"""Regional KPI warehouse: shared settings, the command-line interface and the dbt runner."""

__version__ = "0.1.0"
