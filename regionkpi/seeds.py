"""The rules people own as dbt seeds (``dbt_project/seeds/*.csv``), for the Python that applies them.

A seed is the one owner of its rule: dbt loads it for the models, and everything in Python that needs
the same rule before or beside dbt (ingest deriving an age band, the gate's allowed values and
additivity, the report's disclosure table, the query's sort order) reads it here instead of keeping
a copy. The statutory groupings (age bands and genders of the sick-leave disclosure, lag 2018:597)
are read from the product's own project; a region's rules (report lines, ticket products, ...) from
the configured one (:func:`seed_rows`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from regionkpi.settings import REPO_ROOT

#: The product's seeds: the statutory groupings are not a region's to change.
PRODUCT_SEEDS = REPO_ROOT / "dbt_project" / "seeds"


@cache
def _rows(path: Path) -> tuple[dict[str, str], ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def seed_rows(seeds_dir: Path, seed: str, region_id: str | None = None) -> list[dict[str, str]]:
    """Rows of ``<seeds_dir>/<seed>.csv``; with ``region_id``, the region's own rows and the default
    (``*``) rows."""
    rows = _rows(Path(seeds_dir) / f"{seed}.csv")
    if region_id is None:
        return list(rows)
    return [row for row in rows if row["region_id"] in (region_id, "*")]


@dataclass(frozen=True)
class Group:
    """One group of a statutory breakdown: its code, Swedish name, whether it is the total, and age
    limits (age bands only; an open end is None)."""

    code: str
    name_sv: str
    is_total: bool
    sort_order: int
    min_age: int | None = None
    max_age: int | None = None


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


@cache
def age_bands() -> tuple[Group, ...]:
    """The age bands of ``seeds/age_bands.csv`` in their order, the total ('all') first."""
    return tuple(
        sorted(
            (
                Group(
                    row["age_band"],
                    row["age_band_name_sv"],
                    row["is_total"] == "true",
                    int(row["sort_order"]),
                    _int(row["min_age"]),
                    _int(row["max_age"]),
                )
                for row in seed_rows(PRODUCT_SEEDS, "age_bands")
            ),
            key=lambda group: group.sort_order,
        )
    )


@cache
def genders() -> tuple[Group, ...]:
    """The gender codes of ``seeds/genders.csv`` in their order, the total ('T') first."""
    return tuple(
        sorted(
            (
                Group(row["gender"], row["gender_name_sv"], row["is_total"] == "true", int(row["sort_order"]))
                for row in seed_rows(PRODUCT_SEEDS, "genders")
            ),
            key=lambda group: group.sort_order,
        )
    )


def total(groups: tuple[Group, ...]) -> Group:
    return next(group for group in groups if group.is_total)


def parts(groups: tuple[Group, ...]) -> tuple[Group, ...]:
    return tuple(group for group in groups if not group.is_total)


def kolada_kpis(seeds_dir: Path) -> list[str]:
    """The Kolada KPIs the warehouse maps to its indicators (``seeds/kolada_kpis.csv``, the one list):
    what a Kolada fetch asks for unless told otherwise."""
    return [row["kolada_kpi_id"] for row in seed_rows(seeds_dir, "kolada_kpis")]


@cache
def report_periods() -> dict[int, str]:
    """month number → what a report closing that month is (``seeds/report_periods.csv``): tertial,
    delår or år."""
    return {int(row["month"]): row["period_kind"] for row in seed_rows(PRODUCT_SEEDS, "report_periods")}
