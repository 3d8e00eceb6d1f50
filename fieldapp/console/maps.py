"""Maps drawn by the server as SVG (no tile server: the console works on a closed network).

A plain equirectangular projection around the middle latitude is exact enough for a commune (a few
kilometres across): x grows east, y grows south, one unit is the same distance both ways. The SVG
carries the projection (``data-west``, ``data-north``, ``data-scale``, ``data-coslat``) so that the
page's script turns a click back into longitude and latitude (fieldapp/static/console-map.js).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

#: The map's width in SVG units; its height follows the area's shape, within these bounds.
WIDTH, MIN_HEIGHT, MAX_HEIGHT = 1000.0, 320.0, 1000.0
#: Room around the points, as a share of the area's span.
MARGIN = 0.06
#: The smallest span drawn (degrees, about 1 km): one household alone is not drawn as the whole map.
MIN_SPAN = 0.01


@dataclass(frozen=True)
class Projection:
    west: float
    north: float
    scale: float
    coslat: float
    width: float
    height: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (round((lon - self.west) * self.coslat * self.scale, 1), round((self.north - lat) * self.scale, 1))

    def path(self, ring: list[tuple[float, float]]) -> str:
        return "M" + " L".join(f"{x},{y}" for x, y in (self.xy(lon, lat) for lon, lat in ring)) + " Z"


def projection(positions: list[tuple[float, float]], *, centre: tuple[float, float] | None = None) -> Projection:
    """A projection that fits ``positions`` (lon, lat), or ``centre`` when there are none."""
    if not positions:
        lon, lat = centre or (105.8, 21.0)
        positions = [(lon, lat)]
    lons, lats = [p[0] for p in positions], [p[1] for p in positions]
    middle = (min(lats) + max(lats)) / 2
    coslat = math.cos(math.radians(middle))
    span_lon = max(max(lons) - min(lons), MIN_SPAN / max(coslat, 0.1))
    span_lat = max(max(lats) - min(lats), MIN_SPAN)
    mid_lon = (min(lons) + max(lons)) / 2
    # The height the shape asks for, held between the bounds by widening the other way.
    span_lat = max(span_lat, span_lon * coslat * MIN_HEIGHT / WIDTH)
    span_lon = max(span_lon, span_lat / coslat * WIDTH / MAX_HEIGHT)
    west = mid_lon - span_lon * (0.5 + MARGIN)
    north = middle + span_lat * (0.5 + MARGIN)
    scale = WIDTH / (span_lon * (1 + 2 * MARGIN) * coslat)
    height = round(span_lat * (1 + 2 * MARGIN) * scale, 1)
    return Projection(west=west, north=north, scale=scale, coslat=coslat, width=WIDTH, height=height)
