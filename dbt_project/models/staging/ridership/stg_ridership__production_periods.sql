-- One row per production delivery: the period it covers (from the file name). Every delivery counts,
-- also one whose rows a later delivery replaced: int_ridership_months_covered needs the days delivered.
{{ delivered_periods(source('ridership', 'ridership_production')) }}
