"""Spatial SQL that uses the spatial index on both databases.

PostGIS: the GiST index through ``&&`` (bounding boxes) and ``ST_Within``. SpatiaLite does not use
its R*Tree by itself: queries go through its ``SpatialIndex`` virtual table.
"""
from __future__ import annotations

import math

from sqlalchemy import and_, column, func, select, table

from fieldapp.extensions import db
from fieldapp.geo import EARTH_RADIUS_M, LatLon


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def point_sql(point: LatLon):
    if _dialect() == "postgresql":
        return func.ST_SetSRID(func.ST_MakePoint(point.lon, point.lat), 4326)
    return func.MakePoint(point.lon, point.lat, 4326)


def distance_m(column, point: LatLon):
    """Metres between ``column`` and ``point`` on the sphere (PostGIS) or the ellipsoid (SpatiaLite)."""
    if _dialect() == "postgresql":
        return func.ST_DistanceSphere(column, point_sql(point))
    return func.ST_Distance(column, point_sql(point), 1)


def _box(point: LatLon, radius_m: float) -> tuple[float, float, float, float]:
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(point.lat)), 0.01)
    return point.lon - dlon, point.lat - dlat, point.lon + dlon, point.lat + dlat


#: SpatiaLite's virtual table over every R*Tree spatial index.
_SPATIAL_INDEX = table("SpatialIndex", column("rowid"), column("f_table_name"), column("f_geometry_column"),
                       column("search_frame"))


def _spatialite_candidates(table_name: str, column_name: str, frame):
    return select(_SPATIAL_INDEX.c.rowid).where(
        _SPATIAL_INDEX.c.f_table_name == table_name, _SPATIAL_INDEX.c.f_geometry_column == column_name,
        _SPATIAL_INDEX.c.search_frame == frame)


def _postgis_candidates(table_name: str, column_name: str, west: float, south: float, east: float, north: float):
    """Ids whose point lies in the box, from the GiST index. Through ``fieldapp_ids_in_box`` (see the
    row-level security migration): under a policy, ``&&`` in the query itself cannot use the index."""
    return select(func.fieldapp_ids_in_box(table_name, column_name, west, south, east, north))


def _candidates(table_name: str, column, west: float, south: float, east: float, north: float):
    """``id IN`` the rows whose bounding box meets the box: the spatial index on either database."""
    if _dialect() == "postgresql":
        return _postgis_candidates(table_name, column.key, west, south, east, north)
    return _spatialite_candidates(table_name, column.key, func.BuildMbr(west, south, east, north, 4326))


def within_radius(id_column, column, table: str, point: LatLon, radius_m: float):
    """Rows within ``radius_m`` of ``point``: an index lookup of the bounding box, then exact metres."""
    candidates = _candidates(table, column, *_box(point, radius_m))
    return and_(id_column.in_(candidates), distance_m(column, point) <= radius_m)


def within_polygon(id_column, column, table: str, polygon):
    """Rows whose point lies in the (shapely) polygon: an index lookup of its bounds, then the shape."""
    candidates = _candidates(table, column, *polygon.bounds)
    if _dialect() == "postgresql":
        return and_(id_column.in_(candidates), func.ST_Within(column, func.ST_GeomFromText(polygon.wkt, 4326)))
    shape = func.GeomFromText(polygon.wkt, 4326)
    return and_(id_column.in_(candidates), func.ST_Within(column, shape) == 1)
