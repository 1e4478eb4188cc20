"""Snakemake adapter: write one synthetic mission's half-orbit files."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.synthetic.files import generate_satellite_files  # noqa: E402

generate_satellite_files(
    snakemake.output.raw,
    snakemake.input.kp,
    list(snakemake.input.events),
    snakemake.output.truth,
    **snakemake.params.options,
)
