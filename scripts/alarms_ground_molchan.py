"""Snakemake adapter: Molchan diagrams of every observatory's alarm series (JSON, table)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import alarms  # noqa: E402

alarms.ground_molchan(
    list(snakemake.input.series),
    list(snakemake.input.reports),
    list(snakemake.input.catalogs),
    snakemake.output.json,
    snakemake.output.table,
    **snakemake.params.options,
)
