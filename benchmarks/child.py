"""The process of one measured step: ``python -m benchmarks.child module:function RESULT_JSON KWARGS_JSON``.

Calls ``benchmarks.<module>.<function>(**kwargs)`` and writes what it returns, with this process's
own peak RSS, to ``RESULT_JSON`` (see :class:`benchmarks.measure.Runner`).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from benchmarks.measure import vm_hwm_mb


def main(argv: list[str]) -> None:
    target, result_path, kwargs = argv
    module_name, function_name = target.split(":")
    function = getattr(importlib.import_module(f"benchmarks.{module_name}"), function_name)
    result = function(**json.loads(kwargs))
    result["own_peak_mb"] = vm_hwm_mb()
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
