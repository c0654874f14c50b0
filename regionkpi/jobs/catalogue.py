"""The indicator catalogue (indikatorkatalog) as a dbt docs block, so analysts find it in the docs site.

The catalogue is owned by people as a seed (``dbt_project/seeds/indicators.csv``); the docs site should
show it as they read it: one Markdown table per domain, Swedish name first. dbt reads doc blocks only
from ``.md`` files under the model paths and cannot render a seed's rows into one, so this module
writes ``dbt_project/models/marts/core/_indicator_catalogue.md`` (block ``indicator_catalogue``,
referenced from ``dim_indicator``'s description). The file is generated and checked in: run
``python -m regionkpi.jobs.catalogue`` after editing the seed; ``--check`` exits 1 when the file is stale
(tests/test_dbt_docs.py does the same comparison).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from regionkpi.errors import RegionkpiError
from regionkpi.settings import load_settings

BLOCK_NAME = "indicator_catalogue"
SEED_PATH = Path("seeds") / "indicators.csv"
OUTPUT_PATH = Path("models") / "marts" / "core" / "_indicator_catalogue.md"

#: Domains in the order the regions' reports treat them, with the heading analysts look for.
DOMAINS: dict[str, str] = {
    "hr": "Personal (HR): sjukfrånvaro, personalomsättning, årsarbetare",
    "finance": "Ekonomi (finance): utfall, budget, prognos, nettokostnad, investeringar",
    "ridership": "Kollektivtrafik (ridership): resor, serviceresor, trafikproduktion",
    "goals": "Rapporterade värden (goals): enkäter, Öppna jämförelser, verksamhetens egna mätetal",
}

UNITS_SV: dict[str, str] = {
    "%": "%",
    "count": "antal",
    "FTE": "årsarbetare",
    "SEK": "kr",
    "percentage points": "procentenheter",
    "km": "km",
    "boardings per 10 km": "påstigande per mil",
    "SEK per passenger-km": "kr per resenärskilometer",
    "per inhabitant": "per invånare",
    "days": "dagar",
}

DIRECTIONS_SV: dict[str, str] = {
    "higher_is_better": "högre är bättre",
    "lower_is_better": "lägre är bättre",
    "target_band": "inom målintervall",
    "not_applicable": "bedöms ej",
}

ROLL_UPS_SV: dict[str, str] = {
    "sum": "summa",
    "ratio_of_sums": "kvot av summor",
    "mean": "medelvärde",
}

FREQUENCIES_SV: dict[str, str] = {
    "monthly": "månad",
    "tertial": "tertial",
    "yearly": "år",
}

HEADER = (
    "Benämning (Swedish name)",
    "Name (English)",
    "Id",
    "Enhet (unit)",
    "Riktning (direction)",
    "Kolada-id",
    "Källa / mått (source model / measure)",
    "Aggregering (roll-up)",
    "Periodicitet (frequency)",
    "Definition",
)

REQUIRED_COLUMNS = (
    "indicator_id",
    "name_sv",
    "name_en",
    "unit",
    "direction",
    "kolada_kpi_id",
    "definition",
    "source_model",
    "source_measure",
    "roll_up",
    "frequency",
    "domain",
)

MISSING = "–"


class CatalogueError(RegionkpiError, ValueError):
    """The seed cannot be rendered (a missing column, an unknown domain, Jinja in a cell)."""


def read_indicators(seed_path: Path) -> list[dict[str, str]]:
    """The seed's rows as dicts of text (codes stay text: no type inference)."""
    with open(seed_path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in REQUIRED_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"{seed_path} lacks the columns {', '.join(missing)}")
        return [dict(row) for row in reader]


def _cell(value: str | None) -> str:
    """One Markdown table cell: one line, pipes escaped; refuses Jinja, which dbt would try to render."""
    text = " ".join((value or "").split())
    if any(marker in text for marker in ("{{", "{%", "{#")):
        raise CatalogueError(f"a catalogue cell contains Jinja delimiters, which a dbt doc block cannot hold: {text!r}")
    return text.replace("|", "\\|") or MISSING


def _code(value: str | None) -> str:
    text = (value or "").strip()
    return f"`{text}`" if text else MISSING


def _labelled(value: str, labels: Mapping[str, str]) -> str:
    """The Swedish label with the code the tables use, e.g. ``lägre är bättre (`lower_is_better`)``."""
    code = value.strip()
    if not code:
        return MISSING
    label = labels.get(code)
    return f"{label} (`{code}`)" if label and label != code else f"`{code}`"


def _row(indicator: Mapping[str, str]) -> list[str]:
    source = _code(indicator["source_model"])
    measure = _code(indicator["source_measure"])
    return [
        f"**{_cell(indicator['name_sv'])}**",
        _cell(indicator["name_en"]),
        _code(indicator["indicator_id"]),
        _cell(_labelled(indicator["unit"], UNITS_SV)),
        _labelled(indicator["direction"], DIRECTIONS_SV),
        _code(indicator["kolada_kpi_id"]),
        f"{source}: {measure}",
        _labelled(indicator["roll_up"], ROLL_UPS_SV),
        _labelled(indicator["frequency"], FREQUENCIES_SV),
        _cell(indicator["definition"]),
    ]


def _table(indicators: Iterable[Mapping[str, str]]) -> list[str]:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines.extend("| " + " | ".join(_row(indicator)) + " |" for indicator in indicators)
    return lines


def render_catalogue(indicators: Sequence[Mapping[str, str]]) -> str:
    """The docs block ``indicator_catalogue``: an introduction, then one table per domain (seed order)."""
    unknown = sorted({row["domain"] for row in indicators} - set(DOMAINS))
    if unknown:
        raise CatalogueError(f"indicators of unknown domains {', '.join(unknown)}: add them to DOMAINS")
    lines = [
        f"{{% docs {BLOCK_NAME} %}}",
        f"**Indikatorkatalog (indicator catalogue).** The {len(indicators)} indicators (mätetal) of",
        "`seeds/indicators.csv`, one table per domain. *Riktning* says whether a higher value is better",
        "(used to judge måluppfyllelse); *Källa / mått* names the dbt model and the column(s) summed, `a / b`",
        "being a ratio of two sums; *Aggregering* says how units roll up to their parents and months to",
        "longer windows (a ratio is always the ratio of the sums, never the mean of the units' ratios).",
        "Kolada-id is the Kolada KPI the indicator corresponds to, where one exists.",
        "",
        "*Generated from `dbt_project/seeds/indicators.csv` by `python -m regionkpi.jobs.catalogue`: change the seed",
        "and regenerate, never this text.*",
    ]
    for domain, heading in DOMAINS.items():
        rows = [row for row in indicators if row["domain"] == domain]
        if not rows:
            continue
        lines += ["", f"#### {heading}", "", *_table(rows)]
    lines += ["{% enddocs %}", ""]
    return "\n".join(lines)


def render_from_project(dbt_project_dir: Path) -> str:
    """The catalogue rendered from the project's seed (what the checked-in file must contain)."""
    return render_catalogue(read_indicators(dbt_project_dir / SEED_PATH))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m regionkpi.jobs.catalogue",
        description="Render dbt_project/seeds/indicators.csv into the dbt docs block indicator_catalogue.",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=load_settings().dbt_project_dir,
        help="the dbt project (default: REGIONKPI_DBT_PROJECT_DIR or the repository's dbt_project)",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the file is stale")
    args = parser.parse_args(argv)
    output = args.project_dir / OUTPUT_PATH
    try:
        expected = render_from_project(args.project_dir)
    except (OSError, CatalogueError) as error:
        print(f"cannot render the indicator catalogue: {error}", file=sys.stderr)
        return 2
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if args.check:
        if current != expected:
            print(
                f"{output} is stale: it does not match {args.project_dir / SEED_PATH}; "
                "run `python -m regionkpi.jobs.catalogue` and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"{output} is up to date")
        return 0
    if current == expected:
        print(f"{output} is up to date")
        return 0
    output.write_text(expected, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
