"""Snakemake adapter: one figure or table of the ground CNN study.

Calls ``eqprecursors.plots.ground.<params.function>`` with the rule's named inputs and
outputs as keyword arguments (``runs`` inputs only order the DAG) plus ``params.kwargs``.
"""

import os
import sys

sys.stderr = open(snakemake.log[0], "w")
os.dup2(sys.stderr.fileno(), 2)  # TensorFlow's C++ runtime logs to file descriptor 2

from eqprecursors.plots import ground  # noqa: E402

files = {
    name: value if isinstance(value, str) else list(value)
    for name, value in [*snakemake.input.items(), *snakemake.output.items()]
    if name != "runs"
}
getattr(ground, snakemake.params.function)(**files, **snakemake.params.kwargs)
