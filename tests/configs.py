"""Configuration files as the workflow sees them, for the tests of the planning code."""

from __future__ import annotations

from pathlib import Path

import yaml
from snakemake.utils import update_config, validate

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas/config.schema.yaml"


def load(*names: str) -> dict:
    """Configuration files merged as `--configfile a b` does, validated with defaults filled
    (``{base}``, the stand-ins' address, becomes an unused local one)."""
    config: dict = {}
    for name in names:
        text = (ROOT / name).read_text().replace("{base}", "http://127.0.0.1:1")
        update_config(config, yaml.safe_load(text))
    validate(config, str(SCHEMA))
    return config
