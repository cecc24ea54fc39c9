"""Geometry of presence: distances on the Earth, geofences, distance bands, coarse cells.

Pure functions on (lat, lon) pairs in decimal degrees (WGS 84). Distances are great-circle
(haversine) metres on a sphere of the mean Earth radius: metre-level errors on the scale of an
office or a city, far below GPS accuracy. Polygons are small (a building, a campus), so their
edges are measured on a local equirectangular projection around the point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import DistanceBand

__all__ = [
    "EARTH_RADIUS_M",
    "Circle",
    "DistanceBand",
    "LatLon",
    "Polygon",
    "Shape",
    "coarse_cell",
    "distance_band",
    "haversine_m",
]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

LatLon = tuple[float, float]
"""A position as (latitude, longitude) in decimal degrees."""

_BANDS: tuple[tuple[float, DistanceBand], ...] = (
    (100.0, "within_100m"),
    (500.0, "100m_500m"),
    (1_000.0, "500m_1km"),
    (5_000.0, "1km_5km"),
    (20_000.0, "5km_20km"),
)


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance between ``a`` and ``b`` in metres."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_band(metres: float | None) -> DistanceBand:
    """The contract's band for a distance: <100 m, <500 m, <1 km, <5 km, <20 km, or over."""
    if metres is None:
        return "unknown"
    for limit, band in _BANDS:
        if metres < limit:
            return band
    return "over_20km"


def coarse_cell(lat: float, lon: float) -> str:
    """The coarse cell of a position: both coordinates rounded to 0.01° (about 1.1 km)."""
    return f"{round(lat, 2):.2f},{round(lon, 2):.2f}"


@dataclass(frozen=True, slots=True)
class Circle:
    """A centre and a radius in metres."""

    center: LatLon
    radius_m: float

    def measure(self, point: LatLon) -> tuple[bool, float]:
        """Whether ``point`` is inside, and its distance to the circle (0 inside)."""
        outside_by = haversine_m(self.center, point) - self.radius_m
        return outside_by <= 0, max(0.0, outside_by)


@dataclass(frozen=True, slots=True)
class Polygon:
    """A simple polygon: vertices in order, the last joined to the first."""

    points: tuple[LatLon, ...]

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise ValueError("a polygon needs at least 3 vertices")

    def contains(self, point: LatLon) -> bool:
        """Even-odd ray casting in the (lon, lat) plane."""
        lat, lon = point
        inside = False
        pts = self.points
        j = len(pts) - 1
        for i in range(len(pts)):
            lat_i, lon_i = pts[i]
            lat_j, lon_j = pts[j]
            if (lat_i > lat) != (lat_j > lat):
                crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
                if lon < crossing:
                    inside = not inside
            j = i
        return inside

    def edge_distance_m(self, point: LatLon) -> float:
        """Distance from ``point`` to the nearest edge, in metres."""
        # local equirectangular projection centred on the point: x east, y north, metres
        lat0 = math.radians(point[0])
        kx = math.cos(lat0) * EARTH_RADIUS_M * math.pi / 180
        ky = EARTH_RADIUS_M * math.pi / 180
        xy = [((lon - point[1]) * kx, (lat - point[0]) * ky) for lat, lon in self.points]
        best = math.inf
        for i in range(len(xy)):
            best = min(best, _segment_distance(xy[i - 1], xy[i]))
        return best

    def measure(self, point: LatLon) -> tuple[bool, float]:
        """Whether ``point`` is inside, and its distance to the polygon (0 inside)."""
        if self.contains(point):
            return True, 0.0
        return False, self.edge_distance_m(point)


def _segment_distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from the origin to the segment ``a``-``b`` (plane coordinates)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(a[0] * dx + a[1] * dy) / length2))
    return math.hypot(a[0] + t * dx, a[1] + t * dy)


Shape = Circle | Polygon


def polygon_of(points: Sequence[LatLon]) -> Polygon:
    """A polygon from any sequence of (lat, lon) vertices."""
    return Polygon(tuple(points))
