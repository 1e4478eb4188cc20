"""Snakemake adapter: one sensitivity point's synthetic IAGA-2002 files and truth table."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.synthetic.files import generate_ground_files  # noqa: E402

generate_ground_files(
    snakemake.output.raw,
    snakemake.input.kp,
    snakemake.input.events,
    snakemake.output.truth,
    **snakemake.params.options,
)
