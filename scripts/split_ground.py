"""Snakemake adapter: split one dataset into training and validation parts."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.core import splits  # noqa: E402

splits.make_split(
    snakemake.input[0],
    snakemake.output.split,
    report_json=snakemake.output.report,
    **snakemake.params.split,
)
