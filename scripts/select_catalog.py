"""Snakemake adapter: select the events near one observatory."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.ground.events import select_catalog_file  # noqa: E402

select_catalog_file(
    snakemake.input[0],
    snakemake.output[0],
    fmt=snakemake.params.fmt,
    latitude=snakemake.params.latitude,
    longitude=snakemake.params.longitude,
    start=snakemake.params.start,
    end=snakemake.params.end,
    **snakemake.params.selection,
)
