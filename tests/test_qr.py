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


def test_the_documented_date_of_the_session_step_is_that_step():
    """The prose beside the vectors once named the wrong day for the step (2026-10-10 for the step of
    the 8th): the date written in qr.md is checked against the step, by the documented rule."""
    from datetime import datetime

    stated = re.search(r"the session code is for step (\d+) \((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)",
                       DOC.read_text(encoding="utf-8"))
    assert stated, "qr.md no longer says which step and date the session vector is for"
    step, moment = int(stated.group(1)), datetime.fromisoformat(stated.group(2).replace("Z", "+00:00"))
    assert step == int(moment.timestamp()) // 30 == _vectors()["session_step"]
    assert _vectors()["session_code"].split(":")[3] == str(step)


def _outcomes(expression) -> list:
    """The strings an argument can evaluate to: a constant, or either branch of ``a if c else b``."""
    import ast

    if isinstance(expression, ast.IfExp):
        return _outcomes(expression.body) + _outcomes(expression.orelse)
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return [expression.value]
    if isinstance(expression, ast.Attribute) and expression.attr == "reason":
        return []  # Rejected(error.reason): passes on a reason raised elsewhere, counted there
    raise AssertionError(f"a refusal reason this test cannot read: {ast.unparse(expression)}")


def _flags_the_code_gives() -> set[str]:
    """Every flag and reason a check-in or a visit can carry, read from the code itself: the strings
    put in a Judgement (``….flags.append(…)``, ``….reasons.append(…)``) anywhere in fieldapp, and
    the reasons a scanned text is refused with (``Rejected(…)``, ``PayloadError(…)``). A form of
    append this cannot read fails the test rather than going unnoticed."""
    import ast

    trees = [(path, ast.parse(path.read_text(encoding="utf-8")))
             for path in (Path(__file__).parents[1] / "fieldapp").rglob("*.py")]
    refusals, appended, unreadable = set(), [], []
    for path, tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("Rejected", "PayloadError"):
                refusals |= {value for arg in node.args for value in _outcomes(arg)}
            elif (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute)
                  and func.value.attr in ("flags", "reasons")):
                if func.attr == "append" and len(node.args) == 1:
                    appended.append((path, node.args[0]))
                elif func.attr in ("extend", "insert", "__iadd__"):
                    unreadable.append(f"{path.name}:{node.lineno}")
    flags = set(refusals)
    for path, arg in appended:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            flags.add(arg.value)
        elif isinstance(arg, ast.Attribute) and arg.attr == "reason":
            continue  # rejection.reason: one of the refusals, already counted
        elif (isinstance(arg, ast.JoinedStr) and len(arg.values) == 2 and isinstance(arg.values[0], ast.Constant)
              and isinstance(arg.values[1], ast.FormattedValue)
              and ast.unparse(arg.values[1].value).endswith(".reason")):
            flags |= {arg.values[0].value + reason for reason in refusals}  # f"plate_{rejection.reason}"
        else:
            unreadable.append(f"{path.name}:{arg.lineno}")
    assert not unreadable, f"flags given in a form this test cannot read: {unreadable}"
    return flags


def test_every_flag_and_reason_the_code_gives_is_documented_and_no_other():
    section = DOC.read_text(encoding="utf-8").split("### Flags and reasons", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    given = _flags_the_code_gives()
    assert {"no_plate_scan", "plate_bad_signature", "plate_of_another_household", "far_from_site",
            "future_scan", "expired"} <= given  # the reading of the code finds what it should
    assert given - documented == set(), "flags the code gives that qr.md does not explain"
    assert documented - given == set(), "flags qr.md explains that the code no longer gives"


@pytest.mark.parametrize("text, reason", [
    ("hello", "foreign"), ("https://dichvucong.gov.vn/p/home", "foreign"),
    ("FA2:H:H7K2M9Q4TZX:x:y", "unsupported_version"),
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
