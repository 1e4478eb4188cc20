"""Snakemake adapter: score one satellite sensitivity point (TF and Keras output to the log)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0], stdout=True)

from eqprecursors.evaluation.sensitivity_satellite import run_point  # noqa: E402

run_point(
    snakemake.input.raw,
    snakemake.input.events,
    snakemake.input.kp,
    snakemake.input.truth,
    snakemake.output.point,
    work_dir=snakemake.output.work,
    amplitude=float(snakemake.wildcards.amplitude),
    threads=snakemake.threads,
    **snakemake.params.options,
)
