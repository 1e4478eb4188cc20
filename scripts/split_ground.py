"""Snakemake adapter: split one dataset into training and validation parts."""

import sys

sys.stderr = open(snakemake.log[0], "w")

from eqprecursors.core import splits  # noqa: E402

splits.make_split(
    snakemake.input[0],
    snakemake.output.split,
    report_json=snakemake.output.report,
    **snakemake.params.split,
)
