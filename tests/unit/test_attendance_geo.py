"""Geometry of presence: haversine distances, circles and polygons, bands, coarse cells."""

from __future__ import annotations

import pytest

from kernel.geometry import (
    Circle,
    Polygon,
    coarse_cell,
    distance_band,
    haversine_m,
)
from schemas.events import coarse_cell_of as _coarse_cell

MONAS = (-6.1754, 106.8272)
BALAI_KOTA = (-6.1816, 106.8289)


def test_haversine_matches_known_distances() -> None:
    # one degree of latitude is about 111.2 km on the mean sphere
    assert haversine_m((0.0, 0.0), (1.0, 0.0)) == pytest.approx(111_195, rel=1e-3)
    # Monas to Balai Kota DKI: about 710 m
    assert haversine_m(MONAS, BALAI_KOTA) == pytest.approx(713, abs=15)
    assert haversine_m(MONAS, MONAS) == 0.0
    # antipodes: half the circumference, without a math domain error
    assert haversine_m((0.0, 0.0), (0.0, 180.0)) == pytest.approx(20_015_087, rel=1e-3)


@pytest.mark.parametrize(
    ("metres", "band"),
    [
        (None, "unknown"),
        (0.0, "within_100m"),
        (99.9, "within_100m"),
        (100.0, "100m_500m"),
        (499.0, "100m_500m"),
        (500.0, "500m_1km"),
        (999.0, "500m_1km"),
        (1_000.0, "1km_5km"),
        (4_999.0, "1km_5km"),
        (5_000.0, "5km_20km"),
        (19_999.0, "5km_20km"),
        (20_000.0, "over_20km"),
        (900_000.0, "over_20km"),
    ],
)
def test_distance_bands(metres: float | None, band: str) -> None:
    assert distance_band(metres) == band


@pytest.mark.parametrize(
    ("lat", "lon"), [(-6.17544, 106.82719), (-6.185, 106.835), (0.0, 0.0), (-0.004, -0.006)]
)
def test_the_coarse_cell_is_the_upcasters(lat: float, lon: float) -> None:
    assert coarse_cell(lat, lon) == _coarse_cell(lat, lon)
    assert coarse_cell(-6.17544, 106.82719) == "-6.18,106.83"


def test_circle_inside_and_distance_to_its_edge() -> None:
    circle = Circle(BALAI_KOTA, 200.0)
    assert circle.measure(BALAI_KOTA) == (True, 0.0)
    inside, outside_by = circle.measure(MONAS)
    assert inside is False
    assert outside_by == pytest.approx(haversine_m(BALAI_KOTA, MONAS) - 200.0)


# a square of about 222 m around Balai Kota (0.001° on each side of the centre)
SQUARE = Polygon(
    (
        (-6.1826, 106.8279),
        (-6.1826, 106.8299),
        (-6.1806, 106.8299),
        (-6.1806, 106.8279),
    )
)


def test_polygon_contains_its_inside_only() -> None:
    assert SQUARE.measure(BALAI_KOTA) == (True, 0.0)
    assert SQUARE.contains((-6.1807, 106.8280))
    assert not SQUARE.contains((-6.1800, 106.8289))
    assert not SQUARE.contains(MONAS)


def test_polygon_distance_is_to_the_nearest_edge() -> None:
    # 0.001° north of the north edge, level with its middle: about 111 m
    inside, metres = SQUARE.measure((-6.1796, 106.8289))
    assert inside is False
    assert metres == pytest.approx(111.2, abs=1.0)
    # beyond a corner: the distance to the corner itself
    corner = (-6.1806, 106.8299)
    beyond = (-6.1796, 106.8309)
    assert SQUARE.edge_distance_m(beyond) == pytest.approx(haversine_m(corner, beyond), rel=0.01)


def test_concave_polygon() -> None:
    # a U shape opening north: the notch is outside
    u_shape = Polygon(
        ((0.0, 0.0), (0.0, 0.003), (0.003, 0.003), (0.003, 0.002), (0.001, 0.002),
         (0.001, 0.001), (0.003, 0.001), (0.003, 0.0))
    )  # fmt: skip
    assert u_shape.contains((0.0005, 0.0015))
    assert not u_shape.contains((0.002, 0.0015))
    assert u_shape.contains((0.002, 0.0005))


def test_a_polygon_needs_three_vertices() -> None:
    with pytest.raises(ValueError, match="3 vertices"):
        Polygon(((0.0, 0.0), (1.0, 1.0)))
