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
from datetime import UTC, datetime
from pathlib import Path

REGION_ID = "0006"
RLK = "061100"
JLT = "062100"

#: (unit, indicator, comparison, target, tolerance) for 2020 as printed (seed 002).
TARGETS_2020 = [
    (RLK, "open_comparisons_indicators", "minst", "60", ""),
    (RLK, "competence_plans_share", "minst", "90", ""),
    (RLK, "sick_leave_rate", "högst", "3,1", ""),
    (RLK, "appraisal_talks_share", "minst", "90", ""),
    (RLK, "finance_budget_deviation", "minst", "0", ""),
    (JLT, "travel_time_general", "minst", "30", ""),
    (JLT, "travel_time_service_trips", "minst", "92", ""),
    (JLT, "value_for_money", "minst", "50", ""),
    (JLT, "fardtjanst_decision_days", "högst", "18", ""),
    (JLT, "nki_general_public", "minst", "55", ""),
    (JLT, "nki_travellers", "minst", "65", ""),
    (JLT, "nki_service_trips", "minst", "85", ""),
    (JLT, "trains_on_time_share", "minst", "95", ""),
    (JLT, "passenger_safety", "minst", "70", ""),
    (JLT, "vehicle_inspections_share", "minst", "50", ""),
    (JLT, "vehicle_inspections_service_share", "minst", "90", ""),
    (JLT, "responsiveness", "minst", "36", ""),
    (JLT, "competence_plans_share", "minst", "90", ""),
    (JLT, "appraisal_talks_share", "minst", "90", ""),
    (JLT, "boardings_per_10_vehicle_km", "minst", "9,2", ""),
    (JLT, "boardings_excl_school_cards", "ökning med %", "1", ""),
    (JLT, "service_trip_cost_per_passenger_km", "högst", "21,96", ""),
    (JLT, "tax_subsidy_rate", "högst", "60", ""),
    (JLT, "finance_budget_deviation", "minst", "0", ""),
]

#: (unit, indicator, comparison, target, tolerance) for 2019: Regionledningskontoret's five, with a band
#: on Ekonomi i balans (SEK).
TARGETS_2019 = [
    (RLK, "open_comparisons_indicators", "minst", "60", ""),
    (RLK, "competence_plans_share", "minst", "90", ""),
    (RLK, "sick_leave_rate", "högst", "3,1", ""),
    (RLK, "appraisal_talks_share", "minst", "90", ""),
    (RLK, "finance_budget_deviation", "minst", "0", "500000"),
]

#: (unit, indicator, value) reported for 2019 (year); the sample's own, not printed in seed 002.
REPORTED_2019 = [
    (RLK, "open_comparisons_indicators", "65"),
    (RLK, "competence_plans_share", "92"),
    (RLK, "appraisal_talks_share", "80"),
]

#: (unit, indicator, value) reported for 2020 (year): values no source system computes.
REPORTED_2020 = [
    (RLK, "open_comparisons_indicators", "71,7"),
    (RLK, "competence_plans_share", "54"),
    (RLK, "appraisal_talks_share", "65"),
    (JLT, "travel_time_general", "25"),
    (JLT, "travel_time_service_trips", "95"),
    (JLT, "value_for_money", "43"),
    (JLT, "fardtjanst_decision_days", "37"),
    (JLT, "nki_general_public", "49"),
    (JLT, "nki_travellers", "60"),
    (JLT, "nki_service_trips", "83"),
    (JLT, "trains_on_time_share", "96"),
    (JLT, "passenger_safety", "67"),
    (JLT, "vehicle_inspections_share", "94"),
    (JLT, "vehicle_inspections_service_share", "100"),
    (JLT, "responsiveness", "36"),
    (JLT, "competence_plans_share", "100"),
    (JLT, "appraisal_talks_share", "102"),
]

#: (unit, perspective, goal, success factor, indicator) of the 2020 goal structure, in print order.
STRUCTURE_2020 = [
    (RLK, "Medborgare och kund", "Kvalitet och effektivitet", "Jämförelser med andra", "open_comparisons_indicators"),
    (RLK, "Medarbetare", "Attraktiv arbetsgivare", "Kompetensförsörjning", "competence_plans_share"),
    (RLK, "Medarbetare", "Attraktiv arbetsgivare", "Hälsa, delaktighet och likabehandling", "sick_leave_rate"),
    (RLK, "Medarbetare", "Attraktiv arbetsgivare", "Ledarskap och medarbetarskap", "appraisal_talks_share"),
    (RLK, "Ekonomi", "God ekonomisk hushållning", "Ekonomi i balans", "finance_budget_deviation"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Nöjda kunder", "nki_general_public"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Nöjda kunder", "nki_travellers"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Nöjda kunder", "nki_service_trips"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Nöjda kunder", "travel_time_general"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Nöjda kunder", "travel_time_service_trips"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Nöjda kunder", "value_for_money"),
    (JLT, "Medborgare och kund", "Prisvärda, enkla och säkra resor", "Tillgänglighet", "fardtjanst_decision_days"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Trafikutbud med högt resande",
     "boardings_per_10_vehicle_km"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Trafikutbud med högt resande",
     "boardings_excl_school_cards"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Tryggt och säkert",
     "trains_on_time_share"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Tryggt och säkert",
     "passenger_safety"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Tryggt och säkert",
     "vehicle_inspections_share"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Tryggt och säkert",
     "vehicle_inspections_service_share"),
    (JLT, "Process och produktion", "Ändamålsenlig och kostnadseffektiv trafik", "Lyhördhet", "responsiveness"),
    (JLT, "Medarbetare", "Attraktiv arbetsgivare", "Kompetensförsörjning", "competence_plans_share"),
    (JLT, "Medarbetare", "Attraktiv arbetsgivare", "Ledarskap och medarbetarskap", "appraisal_talks_share"),
    (JLT, "Ekonomi", "Ekonomi i balans", "Högt resandeunderlag", "service_trip_cost_per_passenger_km"),
    (JLT, "Ekonomi", "Ekonomi i balans", "Högt resandeunderlag", "tax_subsidy_rate"),
    (JLT, "Ekonomi", "Ekonomi i balans", "Ekonomi i balans", "finance_budget_deviation"),
]  # fmt: skip

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
