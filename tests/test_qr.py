"""QR codes: the signed format and its vectors, real decoding of the images, key rotation."""
import base64
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fieldapp.crypto.keys import key_create, key_retire
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.qr import payloads, signing
from fieldapp.qr.vectors import build
from tests.factories import make_household, make_person, make_session, make_user, require_tool

DOC = Path(__file__).parents[1] / "mobile_contract" / "qr.md"


def _vectors():
    return json.loads(re.search(r"```json vectors\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S).group(1))


def test_document_vectors_are_what_the_code_produces():
    assert _vectors() == build()


def test_vectors_verify_by_the_documented_rules_alone():
    v = _vectors()
    public = base64.b64decode(v["public_key"])
    assert hashlib.sha256(public).hexdigest()[:16] == v["key_id"]
    for name in ("household_plate", "person_card", "session_code"):
        text = v[name]
        signed, _, signature = text.rpartition(":")
        assert signed.split(":")[-1] == v["key_id"]
        Ed25519PublicKey.from_public_bytes(public).verify(
            base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), signed.encode("ascii"))
    assert v["session_code"].split(":")[3] == str(v["session_step"])


@pytest.mark.parametrize("text, reason", [
    ("hello", "foreign"), ("https://dichvucong.gov.vn/p/home", "foreign"), ("FA2:H:H7K2M9Q4TZX:x:y", "unsupported_version"),
    ("FA1:H:H7K2M9Q4TZX", "malformed"), ("FA1:X:H7K2M9Q4TZX:0123456789abcdef:abc", "malformed"),
    ("FA1:H:P7K2M9Q4TZX:0123456789abcdef:" + "A" * 86, "malformed"),  # a person id in a household code
    ("FA1:S:S5N1B7D2FKR:notastep:0123456789abcdef:" + "A" * 86, "malformed"),
])
def test_texts_that_are_not_our_codes(text, reason):
    with pytest.raises(payloads.PayloadError) as raised:
        payloads.parse(text)
    assert raised.value.reason == reason


def test_payloads_carry_no_personal_data(client, login):
    person = make_person(full_name="Nguyễn Thị Hoà", phone="0912345678")
    headers = login(make_user(role=Role.commune_officer))
    text = client.get(f"/api/v1/persons/{person.public_id}/qr?format=json", headers=headers).get_json()["payload"]
    assert text.startswith(f"FA1:P:{person.public_id}:") and "Hoà" not in text and "912345678" not in text
    assert text.split(":")[2] == person.public_id != str(person.id)  # the public id, never the database id


def test_a_standard_reader_decodes_the_png_the_api_returns(client, login, tmp_path):
    require_tool("zbarimg")
    household = make_household()
    headers = login(make_user(role=Role.commune_officer))
    response = client.get(f"/api/v1/households/{household.public_id}/qr", headers=headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    image = tmp_path / "plate.png"
    image.write_bytes(response.get_data())
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True)
    text = decoded.stdout.strip()
    assert signing.verify(text).public_id == household.public_id
    svg = client.get(f"/api/v1/households/{household.public_id}/qr?format=svg", headers=headers)
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.get_data()


def test_session_code_rotates_with_the_time_step(client, login, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from fieldapp.clock import utcnow

    session = make_session()
    headers = login(make_user(role=Role.commune_officer))
    # Both requests on a frozen clock, 1 s into a step: on the real one, a step boundary between
    # reading the time and the first request (or a second boundary within 31 s) made this flaky.
    now = datetime.fromtimestamp((int(utcnow().timestamp()) // 30) * 30 + 1, tz=timezone.utc)
    monkeypatch.setattr("fieldapp.clock.utcnow", lambda: now)
    first = client.get(f"/api/v1/sessions/{session.public_id}/qr?format=json", headers=headers).get_json()
    monkeypatch.setattr("fieldapp.clock.utcnow", lambda: now + timedelta(seconds=31))
    later = client.get(f"/api/v1/sessions/{session.public_id}/qr?format=json", headers=headers).get_json()
    assert later["step"] == first["step"] + 1 and later["payload"] != first["payload"]
    assert first["valid_until"] == (first["step"] + 1) * 30


def test_key_rotation_new_codes_new_key_old_plates_valid_until_retired(client, login):
    household = make_household()
    old_plate = signing.qr_text("household", household.public_id)
    old_key = payloads.parse(old_plate).key_id
    new = key_create(purpose="qr")
    db.session.commit()
    new_plate = signing.qr_text("household", household.public_id)
    assert payloads.parse(new_plate).key_id == new.key_id != old_key
    assert signing.verify(old_plate).public_id == household.public_id
    keys = client.get("/api/v1/qr-keys", headers=login(make_user())).get_json()
    assert {k["key_id"]: k["retired"] for k in keys} == {old_key: False, new.key_id: False}
    key_retire(key_id=old_key)
    db.session.commit()
    signing.forget_keys()
    with pytest.raises(signing.Rejected) as raised:
        signing.verify(old_plate)
    assert raised.value.reason == "retired_key"
    assert signing.verify(new_plate).kind == "household"


def test_printable_sheet_of_a_villages_plates_is_a_pdf_with_names(client, login, tmp_path):
    for tool in ("pdftoppm", "pdftotext", "zbarimg"):
        require_tool(tool)
    household = make_household()
    make_person(household=household, full_name="Trần Văn Hùng", is_head=True)
    household.village_households = [make_household(village=household.village)]
    headers = login(make_user(role=Role.commune_officer))
    response = client.get("/api/v1/households/plates.pdf", query_string={"village_id": household.village_id},
                          headers=headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "plates.pdf"
    pdf.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Hộ Trần Văn Hùng" in text and household.public_id in text
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(pdf), str(tmp_path / "page")], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", *map(str, sorted(tmp_path.glob("page*.png")))],
                             capture_output=True, text=True).stdout.split()
    assert sorted(signing.verify(code).public_id for code in decoded) == sorted(
        [household.public_id, *[h.public_id for h in household.village_households]])
    chosen = client.get("/api/v1/households/plates.pdf", query_string={"ids": [household.public_id]}, headers=headers)
    assert chosen.status_code == 200
    neither = client.get("/api/v1/households/plates.pdf", headers=headers)
    assert neither.status_code == 422


def test_plates_take_ids_repeated_or_comma_separated(client, login):
    """Comma-separated ids make the shorter request line for 500 plates (docs/deploy.md); the cap of
    500 counts ids, however they are sent."""
    village_households = [make_household() for _ in range(3)]
    ids = [h.public_id for h in village_households]
    headers = login(make_user(role=Role.commune_officer))
    forms = {"repeated": {"ids": ids}, "comma-separated": {"ids": ",".join(ids)},
             "both": {"ids": [f"{ids[0]},{ids[1]}", ids[2]]}}
    for form, query in forms.items():
        response = client.get("/api/v1/households/plates.pdf", query_string=query, headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/pdf", form
    unknown = client.get("/api/v1/households/plates.pdf", query_string={"ids": f"{ids[0]},H0000000000"},
                         headers=headers)
    assert unknown.status_code == 404 and unknown.get_json()["errors"] == {"household_ids": ["H0000000000"]}
    too_many = client.get("/api/v1/households/plates.pdf", query_string={"ids": ",".join(ids * 167)},
                          headers=headers)
    assert too_many.status_code == 422 and "ids" in too_many.get_json()["errors"]
