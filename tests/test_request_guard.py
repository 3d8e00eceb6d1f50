"""Input no field can hold is refused up front, in the envelope, on both databases: NUL characters,
lone surrogates, JSON nested too deep; GeoJSON shapes are checked by RFC 7946's rules."""
import pytest

from fieldapp.extensions import db
from fieldapp.models import Household, Role, Village
from fieldapp.request_guard import MAX_JSON_DEPTH, nested_deeper_than
from tests.factories import HUNG_CHAU, make_user, make_village


@pytest.fixture
def officer(login):
    return login(make_user(role=Role.commune_officer))


def _post_raw(client, headers, url, text):
    return client.post(url, data=text.encode("utf-8"), headers=headers, content_type="application/json")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1000, 100_000])
def test_json_nested_too_deep_is_400_and_writes_nothing(client, officer, depth):
    village = make_village()
    body = '{"village_id": %d, "address": "Nhà 1", "location": %s}' % (village.id, "[" * depth + "]" * depth)
    response = _post_raw(client, officer, "/api/v1/households", body)
    assert response.status_code == 400
    assert response.get_json()["error_code"] == "request.nested_too_deep"
    assert db.session.query(Household).filter_by(village_id=village.id).count() == 0


@pytest.mark.parametrize("size, status", [(3 * 1024 * 1024, 413), (1024, 201)])
def test_a_streamed_body_past_the_limit_is_413_and_one_within_it_is_read_whole(client, officer, size, status):
    """No Content-Length (chunked, as gunicorn passes it on): werkzeug cut the body at the limit, and
    the cut-off JSON answered 400 malformed_json."""
    import io

    village = make_village()
    head = ('{"village_id": %d, "address": "Nhà số 1"' % village.id).encode()
    body = head + b" " * max(0, size - len(head) - 1) + b"}"  # cut anywhere, it is not JSON
    response = client.post("/api/v1/households", headers={**officer, "Transfer-Encoding": "chunked"},
                           input_stream=io.BytesIO(body), content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == status, response.get_json()
    if status == 413:
        assert response.get_json()["error_code"] == "request.too_large"


def test_brackets_inside_strings_do_not_count_as_nesting(client, officer):
    village = make_village()
    address = "[" * 100 + "{" * 100
    response = client.post("/api/v1/households", headers=officer, json={"village_id": village.id, "address": address})
    assert response.status_code == 201, response.get_json()
    assert not nested_deeper_than(b'{"a": "[[[[\\"[[", "b": [[1]]}', 3)
    assert nested_deeper_than(b'{"a": "]]]]", "b": [[[1]]]}', 3)


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "x\\uDBFFy"])
def test_a_lone_surrogate_in_any_string_is_422_not_500(client, officer, escape):
    village = make_village()
    response = _post_raw(client, officer, "/api/v1/households",
                         '{"village_id": %d, "address": "Nhà %s"}' % (village.id, escape))
    body = response.get_json()
    assert response.status_code == 422 and body["error_code"] == "request.invalid"
    assert body["errors"] == {"body": ["Không phải văn bản Unicode hợp lệ (ký tự thay thế đơn lẻ)."]}
    assert db.session.query(Household).filter_by(village_id=village.id).count() == 0


def test_a_lone_surrogate_in_a_key_is_refused_and_a_real_pair_is_text(client, officer):
    village = make_village()
    key = _post_raw(client, officer, "/api/v1/households", '{"\\ud800": 1, "village_id": %d}' % village.id)
    assert key.status_code == 422 and key.get_json()["errors"]["body"]
    emoji = _post_raw(client, officer, "/api/v1/households",
                      '{"village_id": %d, "address": "Nhà \\ud83c\\udfe0 số 1"}' % village.id)
    assert emoji.status_code == 201 and emoji.get_json()["address"] == "Nhà 🏠 số 1"


def test_nul_messages_are_vietnamese_by_default_and_english_on_request(client, officer):
    vi = _post_raw(client, officer, "/api/v1/households", '{"address": "a\\u0000b"}')
    en = client.post("/api/v1/households", data=b'{"address": "a\\u0000b"}', content_type="application/json",
                     headers={**officer, "Accept-Language": "en"})
    assert vi.get_json()["errors"] == {"body": ["Không được chứa ký tự NUL."]}
    assert en.get_json()["errors"] == {"body": ["NUL characters are not allowed."]}


SQUARE = [[105.560, 19.120], [105.565, 19.120], [105.565, 19.125], [105.560, 19.125], [105.560, 19.120]]


def _village(client, officer, boundary, name="Xóm Ranh Giới", **headers):
    return client.post(f"/api/v1/communes/{HUNG_CHAU}/villages", headers={**officer, **headers},
                       json={"name": name, "kind": "xóm", "boundary": boundary})


def test_a_boundary_with_altitudes_is_stored_in_2d_not_a_500(client, officer):
    with_z = [[lon, lat, 12.5] for lon, lat in SQUARE]
    response = _village(client, officer, {"type": "Polygon", "coordinates": [with_z]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["boundary"]["coordinates"] == [[list(p) for p in SQUARE]]
    assigned = client.post("/api/v1/assignments", headers=officer, json={
        "volunteer_id": 1, "polygon": {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [with_z]}}})
    assert assigned.status_code != 500


@pytest.mark.parametrize("coordinates, vi", [
    ([SQUARE[:-1]], "điểm cuối của mỗi vòng phải trùng điểm đầu (RFC 7946)"),
    ([SQUARE[:3]], "coordinates phải là danh sách các vòng, mỗi vòng ít nhất 4 điểm [kinh độ, vĩ độ]"),
    ([[[105.56, 19.12, 1, 2]] + SQUARE[1:-1] + [[105.56, 19.12, 1, 2]]],
     "mỗi điểm là [kinh độ, vĩ độ] hoặc [kinh độ, vĩ độ, độ cao], bằng số"),
    ([[[105.56, True]] + SQUARE[1:-1] + [[105.56, True]]],
     "mỗi điểm là [kinh độ, vĩ độ] hoặc [kinh độ, vĩ độ, độ cao], bằng số"),
    ([], "coordinates phải là danh sách các vòng, mỗi vòng ít nhất 4 điểm [kinh độ, vĩ độ]"),
    ([[[19.12, 105.56], [19.12, 105.565], [19.125, 105.565], [19.12, 105.56]]],
     "vùng nằm ngoài Việt Nam (tọa độ là [kinh độ, vĩ độ])"),
])
def test_rfc_7946_rules_are_refused_with_a_reason_in_vietnamese(client, officer, coordinates, vi):
    response = _village(client, officer, {"type": "Polygon", "coordinates": coordinates})
    body = response.get_json()
    assert response.status_code == 422 and body["error_code"] == "geojson.invalid"
    assert body["errors"] == {"boundary": [vi]}
    assert db.session.query(Village).filter_by(name="Xóm Ranh Giới").count() == 0


def test_an_invalid_shape_is_explained_in_the_callers_language(client, officer):
    bowtie = [[105.55, 19.11], [105.57, 19.13], [105.57, 19.11], [105.55, 19.13], [105.55, 19.11]]
    vi = _village(client, officer, {"type": "Polygon", "coordinates": [bowtie]})
    en = _village(client, officer, {"type": "Polygon", "coordinates": [bowtie]}, **{"Accept-Language": "en"})
    assert vi.get_json()["errors"] == {"boundary": ["các cạnh của vùng cắt nhau"]}
    assert en.get_json()["errors"] == {"boundary": ["the edges of the shape cross"]}
