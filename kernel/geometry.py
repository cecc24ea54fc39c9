"""Geometry of presence: distances on the Earth, geofences, distance bands, coarse cells.

Positions are (lat, lon) pairs in decimal degrees (WGS 84). Distances are great-circle
(haversine) metres on a sphere of the mean Earth radius: metre-level errors on the scale of an
office or a city, far below GPS accuracy. Polygons are small (a building, a campus), so they are
handled by ``shapely`` in the (lon, lat) plane: validity, self-intersection and containment do
not change under the local linear projection that turns degrees into metres, and distances to an
edge are measured after that projection (equirectangular, centred on the point), in metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import shapely
from shapely.geometry import LineString, Point
from shapely.geometry import Polygon as PlanePolygon
from shapely.strtree import STRtree

from schemas.events import DistanceBand

__all__ = [
    "EARTH_RADIUS_M",
    "Circle",
    "DistanceBand",
    "LatLon",
    "Polygon",
    "PolygonProblem",
    "PolygonProblemCode",
    "Shape",
    "coarse_cell",
    "distance_band",
    "haversine_m",
    "polygon_of",
    "polygon_problems",
]

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

_METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
"""Metres in one degree of latitude (and of longitude at the equator) on the mean sphere."""

LatLon = tuple[float, float]
"""A position as (latitude, longitude) in decimal degrees."""

_BANDS: tuple[tuple[float, DistanceBand], ...] = (
    (100.0, "within_100m"),
    (500.0, "100m_500m"),
    (1_000.0, "500m_1km"),
    (5_000.0, "1km_5km"),
    (20_000.0, "5km_20km"),
)

_ORIGIN = Point(0.0, 0.0)

_FLAT = 1e-9
"""A polygon enclosing less than this share of its bounding box's squared diagonal is flat."""


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


def _plane(points: Sequence[LatLon]) -> list[tuple[float, float]]:
    """(lat, lon) vertices as (x, y) = (lon, lat) points of the plane."""
    return [(lon, lat) for lat, lon in points]


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
    _plane: PlanePolygon = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise ValueError("a polygon needs at least 3 vertices")
        plane = PlanePolygon(_plane(self.points))
        shapely.prepare(plane)
        object.__setattr__(self, "_plane", plane)

    def contains(self, point: LatLon) -> bool:
        """Whether ``point`` lies inside the polygon (or on its edge)."""
        return bool(self._plane.covers(Point(point[1], point[0])))

    def edge_distance_m(self, point: LatLon) -> float:
        """Distance from ``point`` to the nearest edge, in metres."""
        # local equirectangular projection centred on the point: x east, y north, metres
        lat, lon = point
        kx = math.cos(math.radians(lat)) * _METRES_PER_DEGREE
        ring = shapely.transform(
            self._plane.exterior,
            lambda xy: (xy - (lon, lat)) * (kx, _METRES_PER_DEGREE),
        )
        return float(ring.distance(_ORIGIN))

    def measure(self, point: LatLon) -> tuple[bool, float]:
        """Whether ``point`` is inside, and its distance to the polygon (0 inside)."""
        if self.contains(point):
            return True, 0.0
        return False, self.edge_distance_m(point)


Shape = Circle | Polygon


def polygon_of(points: Sequence[LatLon]) -> Polygon:
    """A polygon from any sequence of (lat, lon) vertices."""
    return Polygon(tuple(points))


PolygonProblemCode = Literal[
    "too_few_points", "repeated_point", "edges_cross", "no_area", "not_valid"
]
"""Why a ring of points is not a simple polygon; the service that refuses it words it."""


@dataclass(frozen=True, slots=True)
class PolygonProblem:
    """One reason a ring of points is not a simple polygon, as a code and its figures."""

    code: PolygonProblemCode
    first_edge: int = 0
    """``edges_cross``: the first of the two edges that meet (counted from 1)."""
    second_edge: int = 0
    """``edges_cross``: the second of the two edges that meet (counted from 1)."""
    reason: str = ""
    """``not_valid``: GEOS's own reason."""


def polygon_problems(points: Sequence[LatLon]) -> list[PolygonProblem]:
    """Why ``points`` ((lat, lon) in order, the last joining the first) is not a simple
    polygon; empty when it is one.

    Validity is shapely's (GEOS): a polygon whose ring crosses or touches itself
    (``edges_cross``), or has no area (``no_area``), is refused, and the first pair of edges
    that meet is named (edges counted from 1, the last joining the last point to the first).
    Repeated consecutive points (``repeated_point``), which GEOS accepts, are refused too: they
    are a typing slip, not a vertex. Fewer than 3 distinct points are ``too_few_points``; any
    other invalidity GEOS finds is ``not_valid`` with its reason.
    """
    ring = list(points)
    if len(set(ring)) < 3:
        return [PolygonProblem("too_few_points")]
    if any(ring[i] == ring[(i + 1) % len(ring)] for i in range(len(ring))):
        return [PolygonProblem("repeated_point")]
    plane = PlanePolygon(_plane(ring))
    reason = shapely.is_valid_reason(plane)
    if reason != "Valid Geometry":
        crossing = _first_crossing(_plane(ring))
        if crossing is not None:
            first, second = crossing
            return [PolygonProblem("edges_cross", first_edge=first + 1, second_edge=second + 1)]
    if _flat(plane):
        return [PolygonProblem("no_area")]
    return [] if reason == "Valid Geometry" else [PolygonProblem("not_valid", reason=reason)]


def _flat(plane: PlanePolygon) -> bool:
    """Whether the polygon's area is nil, but for rounding: points typed on one line in decimal
    degrees may enclose a sliver of about 1e-17 square degrees once read as binary floats."""
    min_x, min_y, max_x, max_y = plane.bounds
    return bool(plane.area <= _FLAT * ((max_x - min_x) ** 2 + (max_y - min_y) ** 2))


def _first_crossing(vertices: Sequence[tuple[float, float]]) -> tuple[int, int] | None:
    """The first pair of edges (i < j, not neighbours) that share a point, if any."""
    n = len(vertices)
    edges = [LineString([vertices[i], vertices[(i + 1) % n]]) for i in range(n)]
    left, right = STRtree(edges).query(edges, predicate="intersects")
    pairs = sorted(
        (int(i), int(j))
        for i, j in zip(left, right, strict=True)
        if i < j and j != i + 1 and not (i == 0 and j == n - 1)
    )
    return pairs[0] if pairs else None
