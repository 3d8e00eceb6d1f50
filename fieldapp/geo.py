"""Points and shapes: validation against Vietnam and the commune, conversion for GeoAlchemy2."""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from geoalchemy2.elements import WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Polygon, shape
from shapely.validation import explain_validity

from fieldapp.errors import AppError

#: Vietnam with its islands (Hoàng Sa and Trường Sa included): a box, for catching gross mistakes.
VIETNAM_BOX = (6.0, 24.0, 102.0, 118.0)  # lat min, lat max, lon min, lon max
EARTH_RADIUS_M = 6_371_008.8
#: A household may lie this far from its commune's centroid at least (small wards), …
MIN_PLAUSIBLE_RADIUS_M = 8_000
#: … or up to this many times the radius of a disc of the commune's area (large mountain communes).
PLAUSIBLE_RADIUS_FACTOR = 3.0


@dataclass(frozen=True)
class LatLon:
    lat: float
    lon: float

    def wkt(self) -> str:
        return f"SRID=4326;POINT({self.lon} {self.lat})"


def distance_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance (haversine), metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def in_vietnam(point: LatLon) -> bool:
    lat_min, lat_max, lon_min, lon_max = VIETNAM_BOX
    return lat_min <= point.lat <= lat_max and lon_min <= point.lon <= lon_max


def plausible_radius_m(area_km2: float | None) -> float:
    if not area_km2:
        return MIN_PLAUSIBLE_RADIUS_M
    return max(MIN_PLAUSIBLE_RADIUS_M, PLAUSIBLE_RADIUS_FACTOR * math.sqrt(area_km2 * 1e6 / math.pi))


def check_in_commune(point: LatLon, *, centroid: LatLon | None, area_km2: float | None, field: str = "location"):
    """Refuse a point that cannot be in the commune: outside Vietnam, swapped, or kilometres away.

    Why: a household's point is evidence of where support was given; the common mistakes are
    lat and lon swapped, and a point picked in the wrong place on the map.
    """
    swapped = LatLon(point.lon, point.lat)
    near = (lambda p: centroid is not None and distance_m(p, centroid) <= plausible_radius_m(area_km2))
    if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
        if in_vietnam(swapped):
            raise AppError("location.swapped", errors={field: ["lat and lon look swapped"]})
        raise AppError("location.out_of_range", errors={field: ["lat -90..90, lon -180..180"]})
    if not in_vietnam(point):
        if in_vietnam(swapped) and (centroid is None or near(swapped)):
            raise AppError("location.swapped", errors={field: ["lat and lon look swapped"]})
        raise AppError("location.outside_vietnam", errors={field: ["outside Vietnam"]})
    if centroid is not None and not near(point):
        km = distance_m(point, centroid) / 1000
        raise AppError("location.outside_commune", km=round(km, 1), errors={field: [f"{km:.1f} km from the commune"]})


_WKB_POINT = 1
_EWKB_SRID_FLAG = 0x20000000


def _wkb_point(data) -> LatLon | None:
    """A 2-D POINT read straight from its (E)WKB bytes, or ``None`` for anything else.

    Why not always shapely: lists serialise a point per row (a worklist page has 50), and building a
    shapely geometry for each cost more than the rest of the row. The layout is OGC WKB (byte order,
    type, x, y), with PostGIS's SRID flag and field between type and x when present. GeoAlchemy2
    gives bytes from PostGIS and hexadecimal text from SpatiaLite.
    """
    if isinstance(data, str):
        try:
            data = bytes.fromhex(data)
        except ValueError:
            return None
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < 21:
        return None
    order = "<" if data[0] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", data, 1)
    offset = 5
    if kind & _EWKB_SRID_FLAG:
        kind &= ~_EWKB_SRID_FLAG
        offset = 9
    if kind != _WKB_POINT or len(data) != offset + 16:
        return None  # Z or M flags, ISO 1001-style types, or another geometry: shapely reads those
    x, y = struct.unpack_from(order + "dd", data, offset)
    return LatLon(y, x)


def point_of(geometry) -> LatLon | None:
    """A stored POINT as lat/lon."""
    if geometry is None:
        return None
    fast = _wkb_point(getattr(geometry, "data", None))
    if fast is not None:
        return fast
    point = to_shape(geometry)
    return LatLon(point.y, point.x)


def polygon_from_geojson(data: dict, *, field: str = "polygon") -> Polygon:
    """A valid WGS 84 Polygon from GeoJSON (a geometry, or a Feature holding one)."""
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if not isinstance(data, dict) or data.get("type") != "Polygon":
        raise AppError("geojson.invalid", errors={field: ["a GeoJSON Polygon is required"]})
    try:
        polygon = shape(data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise AppError("geojson.invalid", errors={field: [f"unreadable: {exc}"]}) from exc
    if polygon.is_empty or not polygon.is_valid:
        raise AppError("geojson.invalid", errors={field: [explain_validity(polygon)]})
    lat_min, lat_max, lon_min, lon_max = VIETNAM_BOX
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    if not (lat_min <= min_lat and max_lat <= lat_max and lon_min <= min_lon and max_lon <= lon_max):
        raise AppError("geojson.invalid", errors={field: ["outside Vietnam (coordinates are [lon, lat])"]})
    return polygon


def polygon_element(polygon: Polygon):
    return from_shape(polygon, srid=4326)


def point_element(point: LatLon):
    """A point to store: extended WKT, which GeoAlchemy2 binds as it is (no shapely geometry to build,
    which cost more than the rest of a check-in's parameters)."""
    return WKTElement(point.wkt(), srid=4326, extended=True)
