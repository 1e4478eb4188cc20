"""Machine- and human-readable reports: strict JSON and Markdown pipe tables.

One JSON writer for every report of the project: NaN and infinities become ``null`` so
that any strict JSON reader (jq, browsers, JSON Schema validators) accepts the file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _strict(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _strict(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_strict(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json(obj: Any, path: str | Path) -> None:
    """Strict JSON (NaN -> null), indented, with a final newline."""
    text = json.dumps(_strict(json.loads(json.dumps(obj, default=_json_default))), indent=2)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(text + "\n")


def read_json(path: str | Path) -> dict[str, Any]:
    """A JSON report; the error names the file."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read JSON report: {exc}") from exc


def markdown_table(table: pd.DataFrame, *, float_format: str = ".3g") -> str:
    """A pipe table (no tabulate dependency); NaN and None are empty cells."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "" if np.isnan(v) else format(v, float_format)
        return "" if v is None else str(v)

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(False)]
    return "\n".join(lines)


def write_markdown(table: pd.DataFrame, path: str | Path, *, title: str = "", **kwargs) -> None:
    """Write ``title`` (if any) and the table as Markdown, with a final newline."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(title + markdown_table(table, **kwargs) + "\n")
