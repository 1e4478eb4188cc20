"""Snakemake adapter: one transfer mode (TL fine-tunes, IT applies, DT copies) on TS1."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.satellite import transfer  # noqa: E402

transfer.run_mode(
    snakemake.params.mode,
    dict(snakemake.input.items()) | snakemake.params.dirs,
    dict(snakemake.output.items()),
    seed=snakemake.params.seed,
    threads=snakemake.threads,
)
