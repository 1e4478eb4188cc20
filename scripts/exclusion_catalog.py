"""Snakemake adapter: the catalog events that one observatory's quiet windows keep clear of."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.ground.events import exclusion_catalog_file  # noqa: E402

exclusion_catalog_file(
    snakemake.input[0],
    snakemake.output[0],
    fmt=snakemake.params.fmt,
    **snakemake.params.options,
)
