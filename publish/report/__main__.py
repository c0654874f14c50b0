"""``python -m publish.report <marts.duckdb> <out_dir>``: render the follow-up reports of a snapshot."""

from publish.report.render import main

raise SystemExit(main())
