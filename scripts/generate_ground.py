"""Snakemake adapter: write one synthetic observatory's daily IAGA-2002 files."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.synthetic.files import generate_ground_files  # noqa: E402

generate_ground_files(
    snakemake.output.raw,
    snakemake.input.kp,
    snakemake.input.events,
    snakemake.output.truth,
    iaga_code=snakemake.wildcards.obs,
    site=snakemake.params.site,
    start=snakemake.params.site["start"],
    end=snakemake.params.site["end"],
    **snakemake.params.options,
)
