"""Finance sources: ledger (CSV and SIE 4), budget, forecast, investments."""
