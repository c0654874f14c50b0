"""HR sources: payroll sick-leave extract and the organisation extract."""
