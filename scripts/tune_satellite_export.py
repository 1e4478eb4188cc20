"""Snakemake adapter: trials.csv and best.json of a (dataset, model) study (no TensorFlow)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.satellite import tuning  # noqa: E402

tuning.export(snakemake.input, snakemake.output.trials, snakemake.output.best)
