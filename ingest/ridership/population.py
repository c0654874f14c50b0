"""The population extract (folkmängd den 31 december), as SCB and Kolada publish it.

Per-inhabitant KPIs (trips, vehicle-km and net cost per inhabitant) divide by it. The file name needs
no period: a delivery covers the years it holds (``period_start`` = 1 January of the first,
``period_end`` = 31 December of the last), and a later delivery of a year replaces that year. The
file is a few rows per year, so the whole delivery is checked before its one frame is handed over.
See docs/extracts/population.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import great_expectations.expectations as gxe
import pandas as pd
import pyarrow as pa

from ingest.chunked import Field
from ingest.finance.common import checked_stream
from ingest.ridership.common import PERIOD_FIELDS, ChunkedExtract, FirstSeen, not_negative, null_unless_broken, required
from ingest.sources import StreamState
from regionkpi.settings import Settings

FIELDS = [
    Field("År", "year", "integer"),
    Field("Kön", "gender_text", required=False),
    Field("Folkmängd", "population", "integer"),
]
#: T = totalt (both), K = kvinnor, M = män: SCB's codes.
GENDERS = ("T", "K", "M")
FIRST_YEAR, LAST_YEAR = 1900, 2100


class PopulationSource(ChunkedExtract):
    name = "population"
    depends_on: tuple[str, ...] = ()
    contract_doc = "docs/extracts/population.md"
    schema = pa.schema(
        [
            pa.field("year", pa.int32(), nullable=False),
            pa.field("gender", pa.string(), nullable=False),
            pa.field("population", pa.int64(), nullable=False),
            *PERIOD_FIELDS,
        ]
    )

    def stream(
        self, path: Path, encoding: str, region_id: str, settings: Settings, state: StreamState
    ) -> Iterator[pd.DataFrame]:
        keys = FirstSeen()

        def prepare(frame: pd.DataFrame) -> pd.DataFrame:
            if "gender_text" not in frame:
                frame["gender_text"] = pd.Series(pd.NA, index=frame.index, dtype="str")
            text = frame["gender_text"]
            code = text.str.upper().fillna("T").astype(object)
            frame["gender"] = code
            frame["gender_unknown"] = text.astype(object).where(~code.isin(GENDERS))
            year = frame["year"].astype("string")
            frame["year_gender_repeated"] = keys.repeated((year + " " + code).astype(object), frame["line_no"])
            return frame

        def expectations(frame: pd.DataFrame) -> list[Any]:
            return [
                *required({"year": "År", "population": "Folkmängd"}),
                gxe.ExpectColumnValuesToBeBetween(
                    column="year",
                    min_value=FIRST_YEAR,
                    max_value=LAST_YEAR,
                    meta={"rule": f"År must be a year {FIRST_YEAR}-{LAST_YEAR}"},
                ),
                *not_negative({"population": "Folkmängd"}),
                null_unless_broken("gender_unknown", "Kön must be T (totalt), K (kvinnor) or M (män)"),
                null_unless_broken("year_gender_repeated", "an År and Kön appear twice in the file"),
            ]

        def to_raw(frame: pd.DataFrame) -> pd.DataFrame:
            return frame[["year", "gender", "population"]]

        checked = checked_stream(
            path,
            encoding,
            FIELDS,
            suite_name=f"contract_{self.name}",
            state=state,
            prepare=prepare,
            expectations=expectations,
            to_raw=to_raw,
            periods=lambda frame: {f"{int(year):04d}-12" for year in frame["year"].dropna().unique()},
            derived_headers={"gender_unknown": "Kön", "year_gender_repeated": "År, Kön"},
            chunk_rows=self.chunk_rows,
        )
        return _with_years_period(checked)


def _with_years_period(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The checked rows as one frame, with the period of the years they cover (known only at the end)."""
    checked = list(frames)
    if not checked:
        return
    raw = pd.concat(checked, ignore_index=True)
    raw["period_start"] = pd.Timestamp(year=int(raw["year"].min()), month=1, day=1)
    raw["period_end"] = pd.Timestamp(year=int(raw["year"].max()), month=12, day=31)
    yield raw
