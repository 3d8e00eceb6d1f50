"""The operator's command line."""
from fieldapp.extensions import db
from fieldapp.models import ActivityEntry, Ambassador, MentoringInteraction, Mentorship, Team, User, Village
from tests.factories import make_user


def test_users_create_reads_the_password_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "--phone", "0912555666", "--name", "Bùi Thị Thu",
                                 "--role", "commune_officer", "--unit", "17395", "--password-stdin"],
                           input="mat-khau-dai\n")
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(phone="+84912555666").one()
    assert user.full_name == "Bùi Thị Thu"
    entry = db.session.query(ActivityEntry).filter_by(action="user.create", object_id=str(user.id)).one()
    assert entry.actor_id is None and entry.request_id.startswith("cli-")


def test_users_create_explains_a_bad_unit(runner):
    result = runner.invoke(args=["users", "create", "--phone", "0912555667", "--name", "A", "--role", "volunteer",
                                 "--unit", "99999", "--password-stdin"], input="mat-khau-dai\n")
    assert result.exit_code != 0
    assert "unit.not_found" in result.output


def test_units_import_is_idempotent_and_shows_progress(runner):
    result = runner.invoke(args=["units", "import"])
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 3355 unchanged" in result.output


def test_demo_load_creates_the_commune_once_and_prints_passwords_once(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert first.output.count("password: ") == 6
    assert "(unchanged" not in first.output
    assert db.session.query(Village).filter_by(commune_code="17395").count() == 4
    team = db.session.query(Team).filter_by(commune_code="17395").one()
    assert len(team.members) == 4
    from fieldapp.models import Assignment, Household, Person

    households = db.session.query(Household).filter_by(commune_code="17395").all()
    assert len(households) == 24 and all(h.location is not None for h in households)
    assert db.session.query(Person).filter_by(commune_code="17395").count() >= 48
    assert db.session.query(Assignment).filter_by(team_id=team.id).count() == 6
    from fieldapp.selectors.mentorships import mentee_counts
    from fieldapp.selectors.network import tree_stats

    ambassadors = db.session.query(Ambassador).filter_by(commune_code="17395").order_by(Ambassador.user_id).all()
    assert len(ambassadors) == 3
    nam, lan, anh = ambassadors
    counts = mentee_counts([a.user_id for a in ambassadors])
    assert [counts[a.user_id].counted for a in ambassadors] == [6, 3, 2]
    assert counts[nam.user_id].meets_target and not counts[lan.user_id].meets_target
    assert (anh.trained_by_user_id, anh.promoted_from_person_id is not None) == (nam.user_id, True)
    assert (tree_stats(nam.user_id).depth, tree_stats(nam.user_id).reach) == (2, 8)
    assert db.session.query(MentoringInteraction).count() == 2 * db.session.query(Mentorship).count() == 22
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert second.output.count("(unchanged") == 6
    assert db.session.query(Village).filter_by(commune_code="17395").count() == 4
    assert db.session.query(Mentorship).count() == 11


def test_demo_load_creates_a_session_of_now_to_display_and_check_in_to(runner, client, login):
    """CONTRACT.md: the demo has sessions. A newcomer opens today's on the projector page it printed
    and checks in to it; a second load makes no second one."""
    import re
    import uuid

    from fieldapp.clock import utcnow
    from fieldapp.geo import point_of
    from fieldapp.models import LearningSession
    from fieldapp.services.passwords import password_hash
    from tests.factories import DEFAULT_PASSWORD

    first = runner.invoke(args=["demo", "load", "--base-url", "http://demo.test"])
    assert first.exit_code == 0, first.output
    now = utcnow()
    today = db.session.query(LearningSession).filter(LearningSession.commune_code == "17395",
                                                     LearningSession.starts_at <= now,
                                                     LearningSession.ends_at > now).one()
    assert today.kind.value == "weekly_class" and today.topics and today.team_id is not None
    link = re.search(rf"display: http://demo\.test(/display/sessions/{today.public_id}\?k=\w+)", first.output)
    assert link, first.output
    page = client.get(link.group(1))
    assert page.status_code == 200 and today.public_id in page.get_data(as_text=True)
    code = client.get(f"/display/sessions/{today.public_id}/code.json",
                      query_string={"k": link.group(1).split("k=")[1]})
    assert code.status_code == 200, code.get_data(as_text=True)  # what the projector shows, and a phone scans
    volunteer = db.session.query(User).filter_by(phone="+84912000003").one()
    volunteer.password_hash = password_hash(DEFAULT_PASSWORD)
    db.session.commit()
    venue = point_of(today.venue)
    checkin = client.post("/api/v1/checkins", headers=login(volunteer), json={
        "client_id": str(uuid.uuid4()), "payload": code.get_json()["payload"],
        "scanned_at": now.isoformat(), "gps": {"lat": venue.lat, "lon": venue.lon, "accuracy_m": 8}})
    assert checkin.status_code == 201 and checkin.get_json()["verdict"] == "verified", checkin.get_json()
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert second.output.count(today.public_id) == 2  # the same session listed, and its link
    assert db.session.query(LearningSession).filter_by(commune_code="17395").count() == 2  # and the learning day


def test_demo_load_onto_a_commune_with_a_team_of_its_own_and_no_ambassadors(runner):
    """It crashed there: a team of the commune stood for the whole demo, so no households were made
    and the network found none to put its residents in."""
    from fieldapp.models import Household, Role
    from tests.factories import make_team

    make_team(leader=make_user(role=Role.team_leader), commune_code="17395")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert db.session.query(Team).filter_by(commune_code="17395").count() == 2
    assert db.session.query(Household).filter_by(commune_code="17395").count() == 24
    assert db.session.query(Ambassador).filter_by(commune_code="17395").count() == 3
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert db.session.query(Household).filter_by(commune_code="17395").count() == 24
    assert db.session.query(Mentorship).count() == 11


def test_demo_passwords_sign_in(runner, client):
    output = runner.invoke(args=["demo", "load"]).output
    line = next(line for line in output.splitlines() if "volunteer" in line)
    phone = line.split()[1]
    password = line.rsplit("password: ", 1)[1].strip()
    assert client.post("/api/v1/auth/token", json={"phone": phone, "password": password}).status_code == 201


def test_audit_verify_exit_codes_and_messages(runner, tmp_path):
    import base64

    from tests.audit_helpers import export_bytes, fill_log, pinned_keys

    fill_log("17395", 6)
    good = tmp_path / "nhat-ky.jsonl"
    good.write_bytes(b"".join(export_bytes("17395")))
    key = base64.b64encode(next(iter(pinned_keys().values()))).decode()
    result = runner.invoke(args=["audit", "verify", str(good), "--key", key])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: log 17395: 6 entries") and "pinned key" in result.output
    lines = good.read_bytes().splitlines(keepends=True)
    del lines[3]  # the entry with seq 2
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b"".join(lines))
    result = runner.invoke(args=["audit", "verify", str(bad)])
    assert result.exit_code == 1
    assert "TAMPERED" in result.output and "line 4: entry seq 2 is missing (the entry here is seq 3)" in result.output


def test_audit_verify_against_a_head_from_the_api(runner, client, login, tmp_path):
    """The head an auditor saved from GET /activity/head on another day: an export that holds it
    verifies; one cut off before its end does not, though it verifies alone."""
    import json

    from fieldapp.audit.sequencer import checkpoint_sign
    from fieldapp.extensions import db
    from fieldapp.models import Role
    from tests.audit_helpers import export_bytes, fill_log
    from tests.factories import make_user

    fill_log("17395", 4)
    checkpoint_sign(db.session, "17395")  # an earlier checkpoint, where a forger could cut the export
    headers = login(make_user(role=Role.commune_officer))
    response = client.get("/api/v1/activity/head", headers=headers, query_string={"log": "17395"})
    assert response.status_code == 200, response.get_json()
    head = tmp_path / "head.json"
    head.write_text(json.dumps(response.get_json()), encoding="utf-8")
    size = response.get_json()["size"]
    fill_log("17395", 2, start=4)
    export = export_bytes("17395")
    full = tmp_path / "full.jsonl"
    full.write_bytes(b"".join(export))
    result = runner.invoke(args=["audit", "verify", str(full), "--head", str(head)])
    assert result.exit_code == 0, result.output
    entries = sum(b'"type":"entry"' in line for line in export)
    assert f"consistent with the head of size {size}" in result.output
    assert f"and {entries - size} after them" in result.output
    end = max(i for i, line in enumerate(export) if b'"type":"checkpoint"' in line and json.loads(line)["size"] < size)
    cut = tmp_path / "cut.jsonl"
    cut.write_bytes(b"".join(export[:end + 1]))
    assert runner.invoke(args=["audit", "verify", str(cut)]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", str(cut), "--head", str(head)])
    assert result.exit_code == 1
    assert f"but the head says {size}" in result.output and "missing" in result.output
    forged = dict(response.get_json(), size=size + 1)
    head.write_text(json.dumps(forged), encoding="utf-8")
    result = runner.invoke(args=["audit", "verify", str(full), "--head", str(head)])
    assert result.exit_code == 2 and "signature does not verify" in result.output


def test_audit_checkpoint_and_sequence_commands(runner):
    from tests.audit_helpers import fill_log

    fill_log("17395", 3)
    assert "sequenced 3 entries" in runner.invoke(args=["audit", "sequence"]).output
    result = runner.invoke(args=["audit", "checkpoint", "--log", "17395"])
    assert result.exit_code == 0 and "size 3" in result.output


def test_keys_rotate_and_retire(runner):
    from fieldapp.crypto.keys import active_key

    first = runner.invoke(args=["keys", "rotate", "--purpose", "qr"]).output.split()[2].rstrip(":")
    second = runner.invoke(args=["keys", "rotate", "--purpose", "qr"]).output.split()[2].rstrip(":")
    assert active_key(purpose="qr").key_id == second
    assert runner.invoke(args=["keys", "retire", second]).exit_code == 0
    assert active_key(purpose="qr").key_id == first
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"qr     {second} retired" in listing and f"qr     {first} live" in listing


def test_key_rotation_and_retirement_are_in_the_national_log(runner, db):
    """Issue 13: the operator's acts on the signing keys leave entries in VN, with id and purpose only."""
    from fieldapp.models.activity import ActivityEntry
    from fieldapp.models.keys import SigningKey

    made = runner.invoke(args=["keys", "rotate", "--purpose", "audit"])
    key_id = made.output.split()[2].rstrip(":")
    assert runner.invoke(args=["keys", "retire", key_id]).exit_code == 0
    again = runner.invoke(args=["keys", "retire", key_id])
    assert again.exit_code == 0 and "already" in again.output
    entries = db.session.query(ActivityEntry).filter_by(object_type="signing_key", object_id=key_id) \
        .order_by(ActivityEntry.id).all()
    assert [(e.action, e.log_unit, e.actor_id, e.actor_role, e.body) for e in entries] == [
        ("signing_key.rotate", "VN", None, "operator", '{"purpose":"audit"}'),
        ("signing_key.retire", "VN", None, "operator", '{"purpose":"audit"}')]  # retiring twice: one entry
    assert all(e.request_id.startswith("cli-") for e in entries)
    public_key = db.session.get(SigningKey, key_id).public_key
    assert all(public_key not in e.body for e in entries)
    unknown = runner.invoke(args=["keys", "retire", "0000000000000000"])
    assert unknown.exit_code == 1 and "no key 0000000000000000" in unknown.output


def test_progress_is_a_bar_on_a_terminal_and_sparse_lines_in_a_log():
    import io

    from fieldapp.cli.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    log, terminal = io.StringIO(), Terminal()
    for stream in (log, terminal):
        progress = Progress("units", stream=stream, log_interval=3600)
        for done in range(0, 101, 10):
            progress(done, 100)
    assert log.getvalue().splitlines() == ["units: 0/100 (0%)", "units: 100/100 (100%)"]  # no redrawing in a log
    drawn = terminal.getvalue()
    assert "\r" in drawn and "units: 100%" in drawn and "100/100" in drawn  # tqdm's bar, redrawn in place
