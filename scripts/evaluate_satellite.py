"""Snakemake adapter: metrics.json from predictions.csv (never starts TensorFlow)."""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])

from eqprecursors.evaluation import multiclass  # noqa: E402

multiclass.evaluate_predictions(
    snakemake.input.predictions,
    snakemake.output.metrics,
    sequences_csv=snakemake.input.sequences,
    **snakemake.params.evaluation,
    **snakemake.params.context,
)
