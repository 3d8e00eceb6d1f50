"""Reading stored points: the (E)WKB fast path agrees with shapely, on what both databases return."""
import pytest
from geoalchemy2.elements import WKBElement
from shapely import wkb
from shapely.geometry import Point

from fieldapp.extensions import db
from fieldapp.geo import _wkb_point, point_of
from fieldapp.models import Household
from tests.factories import make_household


@pytest.mark.parametrize("srid", [4326, None])
@pytest.mark.parametrize("big_endian", [False, True])
def test_a_point_is_read_from_its_wkb_as_shapely_reads_it(srid, big_endian):
    data = wkb.dumps(Point(105.563, 19.1222), srid=srid, big_endian=big_endian)
    element = WKBElement(data, srid=4326, extended=srid is not None)
    assert _wkb_point(data) == point_of(element)
    assert (point_of(element).lat, point_of(element).lon) == (19.1222, 105.563)


@pytest.mark.parametrize("geometry", [Point(105.5, 19.2, 7.0), Point(105.5, 19.2).buffer(0.01)])
def test_anything_but_a_2d_point_is_left_to_shapely(geometry):
    assert _wkb_point(wkb.dumps(geometry, srid=4326)) is None
    assert _wkb_point("0101000020e6100000") is None  # cut short
    assert _wkb_point("not hexadecimal") is None


def test_what_the_database_returns_takes_the_fast_path():
    """PostGIS gives bytes, SpatiaLite hexadecimal text: both are read without shapely."""
    household = make_household(lat=19.1222, lon=105.563)
    db.session.expire_all()
    stored = db.session.get(Household, household.id).location
    fast = _wkb_point(stored.data)
    assert fast is not None
    assert (round(fast.lat, 6), round(fast.lon, 6)) == (19.1222, 105.563)

