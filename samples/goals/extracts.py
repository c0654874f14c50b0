"""Deterministic sample extracts for goal follow-up: Region Jönköpings län's targets, goal structure and
reported values for 2019 and 2020, as seed 002 prints them (contracts in docs/extracts/goal_*.md).

- **Regionledningskontor med verksamhetsnära funktion (061100)**: the five indicators it measured in
  2020 (seed 002, lines 1688, 1926, 1956, 1979, 2015): Indikatorer i öppna jämförelser (reported 71,7 %,
  target at least 60 %), Kompetensutvecklingsplan (54 %, at least 90 %), Personalhälsa - sjukfrånvaro
  (computed from payroll: 3,3 %, at most 3,1 %), Medarbetarsamtal (65 %, at least 90 %) and Ekonomi i
  balans (computed from the ledger: 47 582 tkr, at least 0). No tolerance band: met or not met, which
  gives the printed 2 / 0 / 3.
- **Länstrafiken (062100)**: the indicators its report prints with outcome and target (surveys, case
  handling, vehicle inspections, staff) and the targets of its computed ones (påstigande per mil 9,2,
  trips excluding school cards +1 %, cost per passenger-km 21,96, tax-subsidy rate 60 %, economy in
  balance 0).

- **2019, Regionledningskontor**: the same five indicators (seed 002 prints the counts 3 / 1 / 1 of 5,
  not the rows). The sample's 2019 targets carry a tolerance band on Ekonomi i balans (500 tkr): the
  ledger's −233 tkr against at least 0 is then partly met, sjukfrånvaro 2,57 % ≤ 3,1 % and the reported
  Öppna jämförelser (65 %) and Kompetensutvecklingsplan (92 %) are met, Medarbetarsamtal (80 % against
  90 %) is not: 3 / 1 / 1, as printed. The 2019 reported values are the sample's own (not printed).

The files are UTF-8 (the targets with a byte-order mark) and land after the organisation extracts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from samples.tables import table

REGION_ID = "0006"
RLK = "061100"
JLT = "062100"


@dataclass(frozen=True)
class _Target:
    year: int
    unit: str
    indicator: str
    comparison: str
    target: str  # as delivered (decimal comma)
    tolerance: str


@dataclass(frozen=True)
class _Reported:
    year: int
    unit: str
    indicator: str
    value: str  # as delivered (decimal comma)


@dataclass(frozen=True)
class _Structure:
    unit: str
    perspective: str
    goal: str
    success_factor: str
    indicator: str


_TARGETS = table("goals", "targets", _Target)
_REPORTED = table("goals", "reported_values", _Reported)

#: (unit, indicator, comparison, target, tolerance) for 2020 as printed (seed 002).
TARGETS_2020 = [(x.unit, x.indicator, x.comparison, x.target, x.tolerance) for x in _TARGETS if x.year == 2020]
#: (unit, indicator, comparison, target, tolerance) for 2019: Regionledningskontoret's five, with a band
#: on Ekonomi i balans (SEK).
TARGETS_2019 = [(x.unit, x.indicator, x.comparison, x.target, x.tolerance) for x in _TARGETS if x.year == 2019]
#: (unit, indicator, value) reported for 2019 (year); the sample's own, not printed in seed 002.
REPORTED_2019 = [(x.unit, x.indicator, x.value) for x in _REPORTED if x.year == 2019]
#: (unit, indicator, value) reported for 2020 (year): values no source system computes.
REPORTED_2020 = [(x.unit, x.indicator, x.value) for x in _REPORTED if x.year == 2020]
#: (unit, perspective, goal, success factor, indicator) of the 2020 goal structure, in print order.
STRUCTURE_2020 = [
    (x.unit, x.perspective, x.goal, x.success_factor, x.indicator) for x in table("goals", "structure_2020", _Structure)
]

DELIVERED_AT = datetime(2022, 4, 20, 9, 0, tzinfo=UTC)


def _targets(year: int, targets: list[tuple[str, str, str, str, str]]) -> bytes:
    return (
        "Enhet;Mätetal;År;Period;Målvärde;Jämförelse;Tolerans\n"
        + "".join(
            f"{unit};{indicator};{year};;{target};{comparison};{tolerance}\n"
            for unit, indicator, comparison, target, tolerance in targets
        )
    ).encode("utf-8-sig")


def _reported(year: int, values: list[tuple[str, str, str]]) -> bytes:
    return (
        "Enhet;Mätetal;Period;Fönster;Värde;Kön;Kommentar\n"
        + "".join(f"{unit};{indicator};{year}12;år;{value};T;\n" for unit, indicator, value in values)
    ).encode("utf-8")


def _structure(year: int, structure: list[tuple[str, str, str, str, str]]) -> bytes:
    return (
        "År;Perspektiv;Mål;Framgångsfaktor;Mätetal;Enhet;Ordning;Kommentar\n"
        + "".join(
            f"{year};{perspective};{goal};{factor};{indicator};{unit};{order};\n"
            for order, (unit, perspective, goal, factor, indicator) in enumerate(structure, start=1)
        )
    ).encode("utf-8")


def _files() -> list[tuple[str, str, bytes]]:
    structure_2019 = [row for row in STRUCTURE_2020 if row[0] == RLK]
    return [
        ("goal_structure", "malstruktur_2019.csv", _structure(2019, structure_2019)),
        ("goal_targets", "malvarden_2019.csv", _targets(2019, TARGETS_2019)),
        ("goal_reported_values", "rapporterade_varden_2019.csv", _reported(2019, REPORTED_2019)),
        ("goal_structure", "malstruktur_2020.csv", _structure(2020, STRUCTURE_2020)),
        ("goal_targets", "malvarden_2020.csv", _targets(2020, TARGETS_2020)),
        ("goal_reported_values", "rapporterade_varden_2020.csv", _reported(2020, REPORTED_2020)),
    ]


def write_goals_sample(landing_dir: Path) -> list[Path]:
    """Write the goal follow-up extracts under ``landing_dir``; mtimes are the delivery times."""
    paths = []
    for minute, (source, name, content) in enumerate(_files()):
        path = Path(landing_dir) / source / REGION_ID / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        stamp = DELIVERED_AT.timestamp() + 60 * minute
        os.utime(path, (stamp, stamp))
        paths.append(path)
    return paths
