"""Synthetic data in the raw formats of the real sources (the offline default dataset).

No DUR/IZN/MLR observatory file, DEMETER file or CSES file is public, so the workflow
generates them: IAGA-2002 daily minute files for the observatories (:mod:`.ground`,
:mod:`.ground_model`), DEMETER-like CDF and CSES-like HDF5 half-orbit files for the
satellites (:mod:`.satellite`, :mod:`.orbits`; the formats are
:mod:`eqprecursors.io.satellite`) and a USGS-csv catalog
(:mod:`.earthquakes`). With a precursor injected before chosen events (:mod:`.injection`)
and listed in a truth table, the same generator is the instrument of injection-recovery
studies. Every module docstring documents its model and parameter values.
"""

from eqprecursors.io.satellite import (
    CSES_VARIABLES,
    DE2_VARIABLES,
    DEMETER_VARIABLES,
    read_cses_hdf5,
    read_demeter_cdf,
)
from eqprecursors.synthetic.earthquakes import aki_b_value, generate_catalog, simulate_catalog
from eqprecursors.synthetic.ground import generate_ground, ground_file_name, simulate_ground
from eqprecursors.synthetic.ground_model import GapConfig, GroundModel
from eqprecursors.synthetic.injection import InjectionConfig, parse_injection
from eqprecursors.synthetic.orbits import MISSIONS
from eqprecursors.synthetic.satellite import IonosphereModel, generate_satellite

__all__ = [
    "CSES_VARIABLES",
    "DE2_VARIABLES",
    "DEMETER_VARIABLES",
    "MISSIONS",
    "GapConfig",
    "GroundModel",
    "InjectionConfig",
    "IonosphereModel",
    "aki_b_value",
    "generate_catalog",
    "generate_ground",
    "generate_satellite",
    "ground_file_name",
    "parse_injection",
    "read_cses_hdf5",
    "read_demeter_cdf",
    "simulate_catalog",
    "simulate_ground",
]
