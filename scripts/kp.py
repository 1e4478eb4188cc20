"""Snakemake adapter: tidy any supported Kp source into results/kp/kp.csv."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.io import kp  # noqa: E402

kp.tidy_kp_file(snakemake.input[0], snakemake.output[0], fmt=snakemake.params.fmt)
