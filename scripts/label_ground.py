"""Snakemake adapter: label one observatory's windows."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.ground import labels  # noqa: E402

labels.make_dataset(
    snakemake.input.nc,
    snakemake.input.catalog,
    snakemake.input.kp,
    snakemake.params.out_dir,
    window=snakemake.params.window,
    filter=snakemake.params.filter,
    all_events_csv=snakemake.params.all_events_csv,
    **snakemake.params.labelling,
)
