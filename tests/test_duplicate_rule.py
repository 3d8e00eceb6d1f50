"""One duplicate-person rule (issue 13, item 7): adding a person and importing a list find the same
likely duplicates, unknown birth years included (``services.persons.likely_duplicates``)."""
import io

import pytest

from fieldapp.models import Role
from tests.factories import make_household, make_person, make_user, make_village

#: (the year of the person already in the village, the newcomer's, likely the same person)
CASES = [
    (1950, 1950, True),
    (1950, 1951, False),  # two known years that differ: two people
    (None, 1950, True),  # a year unknown on either side tells nobody apart
    (1950, None, True),
    (None, None, True),
]


def _year(year):
    return "" if year is None else str(year)


def _import(client, headers, village, rows):
    text = "Mã hộ,Thôn/xóm,Địa chỉ,Họ và tên,Năm sinh\n" + "".join(
        f"{key},{village.name},Nhà {key},{name},{_year(year)}\n" for key, name, year in rows)
    response = client.post("/api/v1/households/import", headers=headers, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(text.encode("utf-8")), "ds.csv")})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(("there", "new", "same"), CASES)
def test_adding_and_importing_find_the_same_duplicates(client, login, there, new, same):
    headers = login(make_user(role=Role.commune_officer))
    village = make_village()
    make_person(household=make_household(village=village), full_name="Nguyễn Thị Hoà", birth_year=there)

    # The import, against the village (a dry run writes nothing) and within the file itself.
    against_village = _import(client, headers, village, [("A1", "Nguyen Thi Hoa", new)])
    assert against_village["ok"] is not same
    if same:
        assert against_village["errors"][0]["reason"].startswith("Trùng người đã có: Nguyễn Thị Hoà")
    in_file = _import(client, headers, make_village(), [("A1", "Nguyễn Thị Hoà", there), ("A2", "NGUYỄN THỊ HÒA", new)])
    assert in_file["ok"] is not same
    if same:
        assert [(e["line"], e["reason"].startswith("Trùng người ở dòng 2:")) for e in in_file["errors"]] == [(3, True)]

    # Adding one by hand.
    added = client.post(f"/api/v1/households/{make_household(village=village).public_id}/members", headers=headers,
                        json={"full_name": "Nguyen Thi Hoa", "birth_year": new})
    assert added.status_code == (409 if same else 201), added.get_json()
    if same:
        assert added.get_json()["error_code"] == "person.possible_duplicate"
        assert [c["birth_year"] for c in added.get_json()["errors"]["candidates"]] == [there]


def test_an_erased_person_is_nobodys_duplicate(client, login):
    headers = login(make_user(role=Role.commune_officer))
    village = make_village()
    erased = make_person(household=make_household(village=village), full_name="Nguyễn Thị Hoà", birth_year=None)
    assert client.post(f"/api/v1/persons/{erased.public_id}/erase", headers=headers).status_code == 200
    assert _import(client, headers, village, [("A1", "Nguyễn Thị Hoà", 1950)])["ok"] is True
    added = client.post(f"/api/v1/households/{make_household(village=village).public_id}/members", headers=headers,
                        json={"full_name": "Nguyễn Thị Hoà", "birth_year": 1950})
    assert added.status_code == 201, added.get_json()


def test_a_withdrawn_person_is_still_found_but_never_named(client, login):
    """Someone who withdrew consent may be listed again by mistake: the rule still finds them, and
    both paths name them masked."""
    headers = login(make_user(role=Role.commune_officer))
    village = make_village()
    there = make_person(household=make_household(village=village), full_name="Lò Văn Rút", birth_year=1960)
    client.patch(f"/api/v1/persons/{there.public_id}", headers=headers, json={"consent": None})
    imported = _import(client, headers, village, [("A1", "Lò Văn Rút", 1960)])
    assert [e["reason"] for e in imported["errors"]] == ["Trùng người đã có: [đã rút đồng ý] (1960)"]
    added = client.post(f"/api/v1/households/{make_household(village=village).public_id}/members", headers=headers,
                        json={"full_name": "Lò Văn Rút", "birth_year": 1960})
    assert added.status_code == 409 and "Rút" not in added.get_data(as_text=True)
