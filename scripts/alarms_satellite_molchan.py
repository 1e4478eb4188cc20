"""Snakemake adapter: cell-day Molchan diagrams of the satellite test predictions."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import alarms_satellite  # noqa: E402

alarms_satellite.satellite_molchan(
    list(snakemake.input.predictions),
    list(snakemake.input.sequences),
    list(snakemake.input.splits),
    list(snakemake.input.events),
    snakemake.output.json,
    snakemake.output.table,
    **snakemake.params.options,
)
