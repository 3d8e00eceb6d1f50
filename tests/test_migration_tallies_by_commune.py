"""The migrations that made the roll-ups fit a province (issue 17's benchmark), run on data: the people's
and support records' counters are added up over their commune (nothing counted is lost, no rebuild),
and on PostgreSQL every area policy tests the area as a hashed set, both undone by their downgrades."""
import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from fieldapp import create_app
from fieldapp.extensions import db
from tests.conftest import _database

BEFORE = "6d2a9f41c8e7"
PERSON = "INSERT INTO person_tallies (commune_code, village_id, sex, birth_year, groups, priority, facts, people) "
SUPPORT = "INSERT INTO support_tallies (commune_code, village_id, day, skill, channel, status, records) "


@pytest.fixture
def migrated(tmp_path_factory, tmp_path):
    url, drop = _database(os.environ.get("TEST_DATABASE_URL", ""), "regroup", tmp_path_factory)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "KEYS_DIR": str(tmp_path),
                      "AUDIT_SEQUENCE_INTERVAL": 0})
    with app.app_context():
        upgrade(revision=BEFORE)
        yield app
        db.session.remove()
        db.engine.dispose()
    drop()


def _rows(sql):
    with db.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(sa.text(sql)))


def test_the_counters_are_added_up_over_the_commune_and_the_downgrade_asks_for_a_rebuild(migrated):
    with db.engine.begin() as conn:
        conn.execute(sa.text(PERSON + "VALUES ('17395', 1, 'female', 1950, 8, 0, 1, 2), "
                                      "('17395', 2, 'female', 1950, 8, 0, 1, 3), "
                                      "('17395', 2, 'male', 1990, 8, 0, 0, 4), "
                                      "('17400', 9, 'female', 1950, 8, 0, 1, 1)"))
        conn.execute(sa.text(SUPPORT + "VALUES ('17395', 1, '2026-09-01', 'online_safety', 'visit', 'counted', 5), "
                             "('17395', 2, '2026-09-01', 'online_safety', 'visit', 'counted', 6), "
                             "('17395', 2, '2026-09-01', 'online_safety', 'visit', 'held', 1)"))
        conn.execute(sa.text("INSERT INTO person_tally_keys (person_id, commune_code, village_id, sex, birth_year, "
                             "groups, priority, facts) VALUES (1, '17395', 1, 'female', 1950, 8, 0, 1)"))
    upgrade()
    assert _rows("SELECT commune_code, sex, birth_year, groups, priority, facts, people FROM person_tallies") == [
        ("17395", "female", 1950, 8, 0, 1, 5), ("17395", "male", 1990, 8, 0, 0, 4),
        ("17400", "female", 1950, 8, 0, 1, 1)]
    assert _rows("SELECT commune_code, skill, status, records FROM support_tallies") == [
        ("17395", "online_safety", "counted", 11), ("17395", "online_safety", "held", 1)]
    # The new key is the primary key: the same commune's counter cannot be written twice.
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO person_tallies (commune_code, sex, birth_year, groups, priority, facts, "
                             "people) VALUES ('17395', 'male', 1990, 8, 0, 0, 1)"))

    downgrade(revision=BEFORE)
    # Which village each was in is not known: empty, with the people's keys, so areas answer not built.
    assert _rows("SELECT * FROM person_tallies") == []
    assert _rows("SELECT * FROM support_tallies") == []
    assert _rows("SELECT * FROM person_tally_keys") == []
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("person_tallies")}
    assert "village_id" in columns


def test_area_policies_test_the_area_as_a_hashed_set(migrated):
    """Every policy of the array form is rewritten, and the downgrade writes them back."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")

    def forms():
        return _rows("SELECT sum((qual LIKE '%= ANY%string_to_array%')::int), "
                     "sum((qual LIKE '%IN ( SELECT unnest%')::int) FROM pg_policies")[0]

    array_before, hashed_before = forms()
    assert array_before > 20 and hashed_before == 0
    upgrade(revision="e5b7d3a9c2f4")
    assert forms() == (0, array_before)
    upgrade()  # later ones write the hashed form themselves
    assert forms()[0] == 0
    downgrade(revision=BEFORE)
    assert forms() == (array_before, 0)
