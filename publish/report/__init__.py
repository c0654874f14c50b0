"""The follow-up report (uppföljningsrapport): one self-contained HTML file per region × organisation ×
period of goal follow-up, rendered from a published marts snapshot.

What the regions' controllers write by hand today (seed 002, "Måluppfyllelse"): the counts of
indicators met / partly met / not met, then the goal structure (perspektiv → strategiskt mål →
framgångsfaktor) with each indicator's target, outcome, status and analysis. The report adds what a
hand-made report rarely has: last year's outcome, a five-year trend, the national figure (Riket) when
a benchmark is loaded, and the sick-leave disclosure by gender and age with suppressed cells shown as
"–" and explained, never as 0.

Reads only a published ``marts.duckdb`` (read-only), never ``build.duckdb``. Writes::

    <out_dir>/index.html                                   every report, by region, organisation, period
    <out_dir>/<region_id>/<organisation_id>/<period>.html  one report

The whole set is written into a temporary sibling directory and then moved into place in one rename
(an atomic exchange when ``out_dir`` already exists), so a reader sees the previous set or the new one,
never half of each. Each file is standalone: inline CSS and SVG, no script, no fonts, images or links
to fetch (it can be mailed, archived or opened from a file share).

The package, in the order the data flows:

- :mod:`publish.report.data`: reads the rows a report set needs from the published marts, once;
- :mod:`publish.report.view`: turns one report's rows into what the templates show;
- :mod:`publish.report.render`: the Jinja templates, the files, and the one rename that publishes them;
- :mod:`publish.report.periods`: what a month is called in a report.

Command line: ``python -m publish.report <marts.duckdb> <out_dir> [--run-id ID] [--published-at TS]``.
"""

from publish.report.data import ReportError
from publish.report.periods import period_kind, period_label
from publish.report.render import ReportSet, render_reports
from publish.report.view import CLASSIC_LEVELS, STATUSES, structure_depth, structure_levels

__all__ = [
    "CLASSIC_LEVELS",
    "STATUSES",
    "ReportError",
    "ReportSet",
    "period_kind",
    "period_label",
    "render_reports",
    "structure_depth",
    "structure_levels",
]
