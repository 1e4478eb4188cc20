"""Snakemake adapter: cell-day Molchan diagrams of the continuous satellite alarm series."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import alarms_satellite  # noqa: E402

alarms_satellite.satellite_molchan(
    list(snakemake.input.series),
    list(snakemake.input.reports),
    list(snakemake.input.events),
    snakemake.output.json,
    snakemake.output.table,
    **snakemake.params.options,
)
