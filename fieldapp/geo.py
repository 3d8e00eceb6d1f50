"""Points and shapes: validation against Vietnam and the commune, conversion for GeoAlchemy2."""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from geoalchemy2.elements import WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Polygon
from shapely.validation import explain_validity

from fieldapp.errors import AppError, FieldMessage

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


def check_range(point: LatLon, *, field: str = "location") -> None:
    """Refuse coordinates off the globe (lat -90..90, lon -180..180); when the swapped pair lies in
    Vietnam, say that lat and lon look swapped (the usual mistake)."""
    if not (-90 <= point.lat <= 90 and -180 <= point.lon <= 180):
        if in_vietnam(LatLon(point.lon, point.lat)):
            raise AppError("location.swapped", errors={field: [SWAPPED]})
        raise AppError("location.out_of_range", errors={field: [OUT_OF_RANGE]})


def check_in_commune(point: LatLon, *, centroid: LatLon | None, area_km2: float | None, field: str = "location"):
    """Refuse a point that cannot be in the commune: outside Vietnam, swapped, or kilometres away.

    Why: a household's point is evidence of where support was given; the common mistakes are
    lat and lon swapped, and a point picked in the wrong place on the map.
    """
    swapped = LatLon(point.lon, point.lat)

    def near(p: LatLon) -> bool:
        return centroid is not None and distance_m(p, centroid) <= plausible_radius_m(area_km2)

    check_range(point, field=field)
    if not in_vietnam(point):
        if in_vietnam(swapped) and (centroid is None or near(swapped)):
            raise AppError("location.swapped", errors={field: [SWAPPED]})
        raise AppError("location.outside_vietnam", errors={field: [OUTSIDE_VIETNAM]})
    if centroid is not None and not near(point):
        km = round(distance_m(point, centroid) / 1000, 1)
        raise AppError("location.outside_commune", km=km, errors={field: [FieldMessage(
            f"cách xã {km} km", f"{km} km from the commune")]})


SWAPPED = FieldMessage("vĩ độ và kinh độ có vẻ bị đảo ngược", "lat and lon look swapped")
OUT_OF_RANGE = FieldMessage("vĩ độ -90..90, kinh độ -180..180", "lat -90..90, lon -180..180")
OUTSIDE_VIETNAM = FieldMessage("nằm ngoài Việt Nam", "outside Vietnam")

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


#: shapely's (GEOS's) reasons for an invalid polygon, as the people drawing it read them.
_INVALIDITY = {
    "Ring Self-intersection": FieldMessage("một vòng ranh giới tự cắt chính nó", "a ring crosses itself"),
    "Self-intersection": FieldMessage("các cạnh của vùng cắt nhau", "the edges of the shape cross"),
    "Hole lies outside shell": FieldMessage("một lỗ nằm ngoài vùng", "a hole lies outside the shape"),
    "Nested holes": FieldMessage("các lỗ nằm trong nhau", "holes lie inside one another"),
    "Interior is disconnected": FieldMessage("vùng bị các lỗ chia cắt", "the holes cut the shape apart"),
    "Nested shells": FieldMessage("các vòng ngoài nằm trong nhau", "outer rings lie inside one another"),
    "Duplicate Rings": FieldMessage("có hai vòng trùng nhau", "two rings are the same"),
    "Too few points": FieldMessage("mỗi vòng cần ít nhất 4 điểm", "each ring needs at least 4 positions"),
    "Invalid Coordinate": FieldMessage("tọa độ không hợp lệ", "a coordinate is not valid"),
}
_NOT_A_POLYGON = FieldMessage("cần một GeoJSON Polygon (hoặc một Feature chứa nó)",
                              "a GeoJSON Polygon (or a Feature holding one) is required")
_BAD_RINGS = FieldMessage("coordinates phải là danh sách các vòng, mỗi vòng ít nhất 4 điểm [kinh độ, vĩ độ]",
                          "coordinates must be a list of rings, each of at least 4 [lon, lat] positions")
_BAD_POSITION = FieldMessage("mỗi điểm là [kinh độ, vĩ độ] hoặc [kinh độ, vĩ độ, độ cao], bằng số",
                             "each position is [lon, lat] or [lon, lat, altitude], in numbers")
_NOT_CLOSED = FieldMessage("điểm cuối của mỗi vòng phải trùng điểm đầu (RFC 7946)",
                           "each ring must end where it starts (RFC 7946)")
_OUTSIDE_VIETNAM_SHAPE = FieldMessage("vùng nằm ngoài Việt Nam (tọa độ là [kinh độ, vĩ độ])",
                                      "outside Vietnam (coordinates are [lon, lat])")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _ring(ring, field: str) -> list[tuple[float, float]]:
    """A linear ring of RFC 7946 (at least 4 positions, closed), in 2-D: an altitude is dropped."""
    if not isinstance(ring, list) or len(ring) < 4:
        raise AppError("geojson.invalid", errors={field: [_BAD_RINGS]})
    for position in ring:
        if not isinstance(position, list) or not 2 <= len(position) <= 3 or not all(map(_is_number, position)):
            raise AppError("geojson.invalid", errors={field: [_BAD_POSITION]})
    if ring[0] != ring[-1]:
        raise AppError("geojson.invalid", errors={field: [_NOT_CLOSED]})
    return [(float(position[0]), float(position[1])) for position in ring]


def polygon_from_geojson(data: dict, *, field: str = "polygon") -> Polygon:
    """A valid WGS 84 Polygon from GeoJSON (a geometry, or a Feature holding one), in 2-D.

    Checked here, not left to shapely: RFC 7946's rules (positions of 2 or 3 numbers, rings of at
    least 4 positions that end where they start), then the shape's validity, each refused with a
    reason people can act on. An altitude (phones and GPS units write one) is dropped: the columns are
    2-D, and a 3-D shape failed in the database (a 500).
    """
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry") or {}
    if not isinstance(data, dict) or data.get("type") != "Polygon":
        raise AppError("geojson.invalid", errors={field: [_NOT_A_POLYGON]})
    rings = data.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise AppError("geojson.invalid", errors={field: [_BAD_RINGS]})
    shell, *holes = (_ring(ring, field) for ring in rings)
    lat_min, lat_max, lon_min, lon_max = VIETNAM_BOX
    if not all(lon_min <= lon <= lon_max and lat_min <= lat <= lat_max for lon, lat in shell):
        raise AppError("geojson.invalid", errors={field: [_OUTSIDE_VIETNAM_SHAPE]})
    polygon = Polygon(shell, holes)
    if polygon.is_empty or not polygon.is_valid:
        reason = explain_validity(polygon)
        message = next((text for key, text in _INVALIDITY.items() if reason.startswith(key)),
                       FieldMessage("vùng vẽ không hợp lệ", "the shape is not valid"))
        raise AppError("geojson.invalid", errors={field: [message]})
    return polygon


def polygon_element(polygon: Polygon):
    return from_shape(polygon, srid=4326)


def point_element(point: LatLon):
    """A point to store: extended WKT, which GeoAlchemy2 binds as it is (no shapely geometry to build,
    which cost more than the rest of a check-in's parameters)."""
    return WKTElement(point.wkt(), srid=4326, extended=True)
