"""Snakemake adapter: decode one satellite's half-orbit files into one netCDF."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.satellite.decode import decode_satellite  # noqa: E402

decode_satellite(snakemake.input.raw, snakemake.output[0], **snakemake.params.options)
