"""Snakemake adapter: decode an observatory's IAGA-2002 files into one netCDF."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.ground.decode import decode_ground  # noqa: E402

decode_ground(
    list(snakemake.input),
    snakemake.output[0],
    iaga_code=snakemake.params.iaga_code,
    max_fill_gap_minutes=snakemake.params.max_fill_gap_minutes,
)
