"""Snakemake adapter: one figure or table of the ground CNN study.

``params.function`` names the entry point as ``"module:function"``, e.g.
``"eqprecursors.plots.ground:plot_map"`` (figures draw in ``plots``; Tables 1-2 are
written by ``eqprecursors.ground.observatories`` / ``eqprecursors.ground.model``). It is
called with the rule's named inputs and outputs as keyword arguments (``runs`` inputs only
order the DAG) plus ``params.kwargs``.
"""

from eqprecursors.core.runtime import log_to

log_to(snakemake.log[0])  # TensorFlow (Figure 4, Table 2) logs to file descriptor 2

from importlib import import_module  # noqa: E402

module, _, name = snakemake.params.function.partition(":")
files = {
    key: value if isinstance(value, str) else list(value)
    for key, value in [*snakemake.input.items(), *snakemake.output.items()]
    if key != "runs"
}
getattr(import_module(module), name)(**files, **snakemake.params.kwargs)
