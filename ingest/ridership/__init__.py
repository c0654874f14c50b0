"""Public transport: boardings, service trips, production, GTFS reference data and population."""
