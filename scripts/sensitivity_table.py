"""Snakemake adapter: the table of one injection-recovery sweep (one row per point)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation.sensitivity_points import write_table  # noqa: E402

write_table(list(snakemake.input), snakemake.output[0])
