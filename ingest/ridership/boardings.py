"""The boardings extract: validations from the ticketing system, or counted/estimated boardings per stop visit.

Two layouts, told apart by the header (docs/extracts/ridership_boardings.md):

- **validation**: one row per validation (``Tidpunkt``, ``Linje``, ``Hållplats``, ``Biljettprodukt``,
  ...); each row is one boarding. A large region delivers about 22 million a year, so the file is
  streamed in chunks and never held whole.
- **count**: one row per stop visit (or per line and day) with ``Påstigande`` and ``Avstigande``, as
  passenger counters (APC) or estimates deliver them; modelled on TIDES ``stop_visits`` and GTFS-ride
  ``board_alight``.

Lines, stops and trips must exist in the region's GTFS feeds (the union of all delivered feeds), the
ticket product in ``seeds/ticket_products.csv``, and every traffic day in the delivery's period
(named by the file name). The raw table keeps the codes as delivered; the line of a row that names
only a trip is resolved from GTFS in dbt.
"""

from __future__ import annotations

from ingest.contract import ContractViolation, Violation
from ingest.extract import Field, Rule, Staged, Unique, read_header, sql_string
from ingest.reference import seed_rows
from ingest.ridership.common import PERIOD_COLUMNS, DeliveryPeriod, delivery_period, period_raw
from ingest.ridership.gtfs import GTFS_LINES, GTFS_STOPS, GTFS_TRIPS, gtfs_reference_tables
from ingest.sources import CsvSource, Delivered, Plan, RawColumn, in_values

FIELDS = [
    Field("Tidpunkt", "validated_at", "timestamp", required=False),
    Field("Trafikdag", "service_date", "date", required=False),
    Field("Linje", "line", required=False),
    Field("Tur", "trip_id", required=False),
    Field("Hållplats", "stop_id", required=False),
    Field("Biljettprodukt", "product", required=False),
    Field("Valideringstyp", "validation_type", required=False),
    Field("Transaktion", "transaction_id", required=False),
    Field("Påstigande", "boardings", "integer", required=False),
    Field("Avstigande", "alightings", "integer", required=False),
    Field("Källa", "count_source", required=False),
]
#: A file is one of the two layouts: validations (a timestamp per row) or counts (boardings per row).
ONE_OF = [[["validated_at"], ["boardings"]]]
LAYOUT_REQUIRED = {
    "validation": ("validated_at", "line", "stop_id", "product", "count_source"),
    "count": ("service_date", "boardings", "count_source"),
}
#: The source of a count, as delivered (Swedish or English) -> the id the warehouse keeps.
COUNT_SOURCES = {
    "validation": "validation",
    "validering": "validation",
    "counter": "counter",
    "apc": "counter",
    "räknare": "counter",
    "automatisk trafikanträkning": "counter",
    "estimate": "estimate",
    "skattning": "estimate",
    "uppskattning": "estimate",
}
#: A traffic day runs from 00:00 to 04:00 the next morning (a night trip belongs to the day it started).
DAY_CHANGE_HOURS = 4
#: A validation may lie up to this many hours after its traffic day's midnight.
MAX_HOURS_AFTER_MIDNIGHT = 30


class BoardingSource(CsvSource):
    name = "ridership_boardings"
    depends_on: tuple[str, ...] = ("gtfs",)
    contract_doc = "docs/extracts/ridership_boardings.md"
    schema = (
        RawColumn("service_date", "DATE", nullable=False),
        RawColumn("validated_at", "TIMESTAMP"),
        RawColumn("line", "VARCHAR"),
        RawColumn("trip_id", "VARCHAR"),
        RawColumn("stop_id", "VARCHAR"),
        RawColumn("product", "VARCHAR"),
        RawColumn("validation_type", "VARCHAR"),
        RawColumn("boardings", "INTEGER", nullable=False),
        RawColumn("alightings", "INTEGER"),
        RawColumn("count_source", "VARCHAR", nullable=False),
        RawColumn("layout", "VARCHAR", nullable=False),
        *PERIOD_COLUMNS,
    )
    fields = FIELDS
    one_of = ONE_OF

    def before(self, delivered: Delivered) -> list[Violation]:
        try:
            delivery_period(delivered.path)
        except ContractViolation as error:
            return error.violations
        known, _ = gtfs_reference_tables(delivered.settings, delivered.region_id)
        if not known:
            return [Violation("the region's GTFS feed has not been delivered yet: deliver it first, then this file")]
        try:
            header = read_header(delivered.path, delivered.encoding)
        except Exception:  # the reader names what is wrong with the header
            return []
        if header:  # the layout from the header, so a file of a header only is checked too
            return _layout_problems(delivered.path.name, _columns_of(header))
        return []

    def plan(self, delivered: Delivered, staged: Staged) -> Plan:
        period = delivery_period(delivered.path)
        _, setup = gtfs_reference_tables(delivered.settings, delivered.region_id)
        products = sorted(
            {r["product_code"] for r in seed_rows(delivered.settings, "ticket_products", delivered.region_id)}
        )
        layout = "validation" if staged.has("validated_at") else "count"
        mapped = (
            "CASE lower(count_source) "
            + " ".join(f"WHEN {sql_string(text)} THEN {sql_string(code)}" for text, code in COUNT_SOURCES.items())
            + " END"
        )
        derived = {"layout": sql_string(layout), "count_source_id": mapped}
        if layout == "validation":
            derived["boardings"] = "1"
            traffic_day = f"CAST(validated_at - INTERVAL {DAY_CHANGE_HOURS} HOUR AS DATE)"
            derived["service_date"] = f"coalesce(service_date, {traffic_day})"
        rules = _rules(staged, period, products)
        rules += _validation_rules() if layout == "validation" else _count_rules()
        return Plan(
            rules=rules,
            derived=derived,
            raw={"count_source": "count_source_id", **period_raw(period)},
            periods="strftime(service_date, '%Y-%m')",
            measure="boardings",
            allowed_periods=period.months,
            setup=setup,
        )


def _rules(staged: Staged, period: DeliveryPeriod, products: list[str]) -> list[Rule | Unique]:
    """The rules of both layouts: the source, the traffic day in the delivery's period, and the line,
    stop, trip and product known to the region's GTFS feeds and ticket products."""
    start, end = period.start.isoformat(), period.end.isoformat()
    rules: list[Rule | Unique] = [
        Rule("Källa is required", "count_source IS NULL", ("count_source",)),
        Rule(
            "Källa must be validation, counter or estimate (validering, räknare, skattning)",
            "count_source IS NOT NULL AND count_source_id IS NULL",
            header="Källa",
            value="count_source",
        ),
        Rule(
            "a row needs its traffic day (Trafikdag, or Tidpunkt)",
            "service_date IS NULL",
            header=staged.header("service_date", "Tidpunkt"),
        ),
        Rule(
            f"the traffic day is outside the delivery's period {period.label} (from the file name)",
            f"service_date < DATE '{start}' OR service_date > DATE '{end}'",
            header="Trafikdag, Tidpunkt",
            value=f"'traffic day ' || strftime(service_date, '%Y-%m-%d') || ' is not in {period.label}'",
        ),
        Rule(
            "a row needs a Linje or a Tur (whose line GTFS knows)",
            "line IS NULL AND trip_id IS NULL",
            header="Linje, Tur",
            value="'(empty)'",
        ),
        Rule(
            "Linje is not a line (route_short_name) of the region's GTFS feeds",
            f"line IS NOT NULL AND line NOT IN (SELECT line FROM {GTFS_LINES})",  # noqa: S608 - code-owned SQL; file values are bound parameters
            header="Linje",
            value="line",
        ),
        Rule(
            "Hållplats is not a stop_id of the region's GTFS feeds",
            f"stop_id IS NOT NULL AND stop_id NOT IN (SELECT stop_id FROM {GTFS_STOPS})",  # noqa: S608 - code-owned SQL; file values are bound parameters
            header="Hållplats",
            value="stop_id",
        ),
        Rule(
            "Tur is not a trip_id of the region's GTFS feeds",
            f"trip_id IS NOT NULL AND trip_id NOT IN (SELECT trip_id FROM {GTFS_TRIPS})",  # noqa: S608 - code-owned SQL; file values are bound parameters
            header="Tur",
            value="trip_id",
        ),
        Rule(
            "Tur runs on another line than Linje (GTFS trips.txt)",
            f"line IS NOT NULL AND EXISTS (SELECT 1 FROM {GTFS_TRIPS} t WHERE t.trip_id = checked.trip_id "  # noqa: S608 - code-owned SQL; file values are bound parameters
            "AND t.line IS NOT NULL AND t.line <> checked.line)",
            header="Tur, Linje",
            value=f"'Tur ' || trip_id || ' runs on line ' || (SELECT t.line FROM {GTFS_TRIPS} t "  # noqa: S608 - code-owned SQL; file values are bound parameters
            "WHERE t.trip_id = checked.trip_id) || ', not ' || line",
        ),
        Rule(
            "Biljettprodukt is not a product_code of seeds/ticket_products.csv for the region",
            f"product IS NOT NULL AND NOT {in_values('product', products)}",
            header="Biljettprodukt",
            value="product",
        ),
        Unique(
            "Transaktion appears more than once in the delivery",
            ("transaction_id",),
            header="Transaktion",
            value="transaction_id",
        ),
    ]
    return rules


def _validation_rules() -> list[Rule | Unique]:
    """A validation file: one row per validation, each with its time, line, stop and product."""
    return [
        Rule("Tidpunkt is required", "validated_at IS NULL", ("validated_at",)),
        Rule("Linje is required", "line IS NULL", ("line",)),
        Rule("Hållplats is required", "stop_id IS NULL", ("stop_id",)),
        Rule("Biljettprodukt is required", "product IS NULL", ("product",)),
        Rule(
            "Källa must be validering (validation) in a validation file: each of its rows is one validation",
            "count_source_id IS NOT NULL AND count_source_id <> 'validation'",
            header="Källa",
            value="count_source",
        ),
        Rule(
            f"Tidpunkt is outside its traffic day (00:00 to {MAX_HOURS_AFTER_MIDNIGHT - 24:02d}:00 the next morning)",
            "validated_at < CAST(service_date AS TIMESTAMP) "
            "OR validated_at >= CAST(service_date AS TIMESTAMP) "
            f"+ INTERVAL {MAX_HOURS_AFTER_MIDNIGHT} HOUR",
            header="Tidpunkt",
            value="strftime(validated_at, '%Y-%m-%d %H:%M:%S')",
        ),
    ]


def _count_rules() -> list[Rule | Unique]:
    """A count file: counts per traffic day, line, trip, stop and product, each once."""
    return [
        Rule("Påstigande is required", "boardings IS NULL", ("boardings",)),
        Rule("Påstigande is a count: never negative", "boardings < 0", ("boardings",)),
        Rule("Avstigande is a count: never negative", "alightings < 0", ("alightings",)),
        Unique(
            "a traffic day, line, trip, stop and product is counted twice in the delivery",
            ("service_date", "line", "trip_id", "stop_id", "product"),
            header="Trafikdag, Linje, Tur, Hållplats, Biljettprodukt",
            value="'repeated'",
            skip_missing=False,
        ),
    ]


def _columns_of(header: list[str]) -> set[str]:
    from ingest.contract import normalise_header

    by_header = {normalise_header(f.header): f.name for f in FIELDS}
    return {by_header[h] for h in map(normalise_header, header) if h in by_header}


def _layout_problems(file_name: str, columns: set[str]) -> list[Violation]:
    """What keeps a header's columns from making a layout (none when they make one)."""
    if "validated_at" not in columns and "boardings" not in columns:
        return []  # the reader names the missing columns
    if "validated_at" in columns and "boardings" in columns:
        return [
            Violation(
                "a file has either Tidpunkt (one row per validation) or Påstigande (counts), not both",
                line=1,
                column="Tidpunkt, Påstigande",
            )
        ]
    layout = "validation" if "validated_at" in columns else "count"
    missing = [name for name in LAYOUT_REQUIRED[layout] if name not in columns]
    if layout == "count" and "line" not in columns and "trip_id" not in columns:
        missing.append("line")
    if not missing:
        return []
    headers = {f.name: f.header for f in FIELDS}
    return [
        Violation(
            f"the {layout} layout needs the column(s) {', '.join(headers[m] for m in missing)}"
            + (" (Linje or Tur)" if "line" in missing and layout == "count" else ""),
            line=1,
            column=", ".join(headers[m] for m in missing),
        )
    ]
