"""Snakemake adapter: metrics.json from the training job's predictions.csv (no TensorFlow)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import ground  # noqa: E402

ground.evaluate_predictions(
    snakemake.input.predictions,
    snakemake.input.labels,
    snakemake.input.split,
    snakemake.output.metrics,
    **snakemake.params.evaluation,
)
