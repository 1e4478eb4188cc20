"""The synthetic-vs-real overview figure renders from files and from a decoded netCDF."""

import pytest

from eqprecursors.ground.decode import decode_ground
from eqprecursors.plots.synthetic import plot_overview
from eqprecursors.synthetic.ground import generate_ground
from eqprecursors.synthetic.satellite import generate_satellite

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, synthetic_real_kp, synthetic_dur_site):
    out = tmp_path_factory.mktemp("overview")
    ground = generate_ground(
        out / "dur", **synthetic_dur_site, start="2016-01-15", end="2016-01-21",
        kp=synthetic_real_kp, seed=1,
    )  # fmt: skip
    sat = generate_satellite(
        out / "cses", mission="cses", start="2019-03-10", end="2019-03-10",
        kp=synthetic_real_kp, seed=1, orbits_per_day=2,
    )  # fmt: skip
    return out, ground, sat


def test_overview_from_iaga_files(inputs):
    out, ground, sat = inputs
    png = plot_overview(ground, "data/iaga/BOU201601adj.min", sat[:2], out / "ov.png")
    data = png.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 50_000


def test_overview_from_netcdf_and_demeter(inputs, tmp_path, synthetic_real_kp):
    out, ground, _ = inputs
    nc = tmp_path / "dur.nc"
    decode_ground(ground, nc, iaga_code="DUR")
    dmt = generate_satellite(
        tmp_path / "dmt", mission="demeter", start="2008-03-10", end="2008-03-10",
        kp=synthetic_real_kp, seed=1, orbits_per_day=1,
    )  # fmt: skip
    png = plot_overview(nc, "data/iaga/BOU201601adj.min", dmt[0], tmp_path / "ov.png", days=3)
    assert png.read_bytes()[:8] == PNG_MAGIC
