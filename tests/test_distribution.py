"""The schema stays ready to be distributed by commune (fieldapp/distribution.py; issue 19, item 5): the
live PostgreSQL catalogue read against Citus's rules, the check shown to catch each kind of key Citus
refuses, the values that must stay unique across communes, and (on both databases) the commune the
five child tables now carry."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.distribution import DISTRIBUTED, REFERENCE, distribution_problems
from fieldapp.extensions import db
from fieldapp.models import Assignment, MentoringInteraction, MentorshipSkill, PersonSkill, Role, SkillEvent
from fieldapp.models.skills import Skill
from fieldapp.services.mentorships import interaction_record
from fieldapp.services.skills import skills_record
from tests.factories import (
    OTHER_COMMUNE,
    assign,
    make_ambassador,
    make_household,
    make_mentorship,
    make_person,
    make_team,
    make_user,
    make_village,
)


@pytest.fixture
def postgres(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            # scripts/test runs the suite on PostgreSQL too, and with CI=true that run is required.
            pytest.skip("Citus is PostgreSQL: SQLite keeps its own keys")


@pytest.fixture
def as_owner(app, postgres):
    """DDL in the test's transaction (rolled back with it), as the login that owns the tables."""
    db.session.execute(sa.text("RESET ROLE"))
    yield db.session.connection()
    db.session.execute(sa.text(f'SET ROLE "{app.config["DATABASE_ROLE"]}"'))


def test_the_schema_is_ready_to_be_distributed_by_commune(as_owner):
    assert distribution_problems(as_owner) == []


def test_the_check_finds_every_key_citus_refuses(as_owner):
    as_owner.execute(sa.text(
        "CREATE TABLE probe_parent (id serial PRIMARY KEY, commune_code varchar(5) NOT NULL, "
        "code text UNIQUE, UNIQUE (id, commune_code))"))
    as_owner.execute(sa.text(
        "CREATE TABLE probe_child (id serial, commune_code varchar(5), parent_id int REFERENCES probe_parent (id), "
        "PRIMARY KEY (id))"))
    as_owner.execute(sa.text(
        "CREATE TABLE probe_lookup (id int PRIMARY KEY, person_id int, commune_code varchar(5), "
        "FOREIGN KEY (person_id, commune_code) REFERENCES persons (id, commune_code))"))
    as_owner.execute(sa.text(
        "CREATE TABLE probe_moving (id int, commune_code varchar(5) NOT NULL, parent_id int, "
        "PRIMARY KEY (id, commune_code), CONSTRAINT probe_moving_parent FOREIGN KEY (parent_id, commune_code) "
        "REFERENCES probe_parent (id, commune_code) ON UPDATE CASCADE)"))
    as_owner.execute(sa.text("CREATE TABLE probe_unplanned (id int PRIMARY KEY)"))
    problems = distribution_problems(
        as_owner, distributed={**DISTRIBUTED, "probe_parent": "commune_code", "probe_child": "commune_code",
                               "probe_moving": "commune_code"},
        reference=REFERENCE | {"probe_lookup"})
    assert sorted(problems) == sorted([
        "probe_parent: primary key probe_parent_pkey (id) lacks commune_code",
        "probe_parent: unique index probe_parent_code_key (code) lacks commune_code",
        "probe_child: no NOT NULL distribution column commune_code",
        "probe_child: primary key probe_child_pkey (id) lacks commune_code",
        "probe_child: foreign key probe_child_parent_id_fkey to probe_parent does not join on the distribution "
        "columns",
        "probe_lookup (reference): foreign key probe_lookup_person_id_commune_code_fkey to persons (distributed) "
        "is not allowed",
        "probe_moving: foreign key probe_moving_parent to probe_parent would change or empty the distribution "
        "column (ON UPDATE CASCADE / SET NULL / SET DEFAULT, ON DELETE SET NULL / SET DEFAULT)",
        "probe_unplanned: not in the plan (fieldapp/distribution.py): distributed, reference or local?",
    ])


def test_the_check_compares_the_types_of_the_distribution_columns(as_owner):
    as_owner.execute(sa.text("CREATE TABLE probe_wide (id int, commune_code text NOT NULL, "
                             "PRIMARY KEY (id, commune_code))"))
    problems = distribution_problems(as_owner, distributed={**DISTRIBUTED, "probe_wide": "commune_code"})
    assert problems == ["the co-located distribution columns differ in type: ['character varying(5)', 'text']"]


def test_a_public_id_stays_unique_across_communes(app, monkeypatch):
    """50 random bits collide somewhere among 100 million people: a commune's index alone would let two
    communes share an id; the claim (PostgreSQL) or the unique index (SQLite) refuses the second."""
    from fieldapp.services import households

    here = make_household()
    village = make_village(commune_code=OTHER_COMMUNE)
    monkeypatch.setattr(households, "new_public_id", lambda prefix: here.public_id)
    with pytest.raises(IntegrityError) as refused:
        households.household_create(caller=None, village_id=village.id, address="Nhà số 2", location=None)
    # PostgreSQL: the claim's trigger fails the insert under the old index's name; SQLite: that index.
    message = str(refused.value.orig)
    assert "uq_households_public_id" in message or "UNIQUE constraint failed: households.public_id" in message


def test_the_child_tables_carry_their_parents_commune(app):
    volunteer = make_user(unit_code=OTHER_COMMUNE)
    household = make_household(village=make_village(commune_code=OTHER_COMMUNE))
    person = make_person(household=household)
    assign(household, volunteer, make_team(members=[volunteer], commune_code=OTHER_COMMUNE))
    skills_record(caller=None, person=person, grant=[Skill.cashless_payment], evidence_kind="visit")
    mentor = make_ambassador(commune_code=OTHER_COMMUNE)
    mentorship = make_mentorship(mentor=mentor, mentee=make_person(household=household))
    interaction_record(caller=Caller(user_id=mentor.user_id, role=Role.volunteer, unit_code=OTHER_COMMUNE,
                                     province_code=None),
                       mentorship=mentorship, method="visit", occurred_at=utcnow())
    db.session.commit()
    assert db.session.scalars(sa.select(Assignment.commune_code).where(
        Assignment.household_id == household.id)).all() == [OTHER_COMMUNE]
    assert db.session.scalars(sa.select(PersonSkill.commune_code).where(
        PersonSkill.person_id == person.id)).all() == [OTHER_COMMUNE]
    assert set(db.session.scalars(sa.select(SkillEvent.commune_code).where(
        SkillEvent.person_id == person.id))) == {OTHER_COMMUNE}
    assert set(db.session.scalars(sa.select(MentorshipSkill.commune_code).where(
        MentorshipSkill.mentorship_id == mentorship.id))) == {OTHER_COMMUNE}
    assert db.session.scalars(sa.select(MentoringInteraction.commune_code).where(
        MentoringInteraction.mentorship_id == mentorship.id)).all() == [OTHER_COMMUNE]


def test_what_a_person_holds_moves_with_them_and_what_was_done_stays(client, login):
    """A province officer moves a resident to a household of the next commune: their skills and the skills'
    history follow their commune (ON UPDATE CASCADE on PostgreSQL, the service on SQLite); the support
    given to them stays where it was given (no key ties it to the person's commune). On PostgreSQL the keys of
    what they hold are checked at commit, and hold."""
    from fieldapp.models import SupportRecord
    from fieldapp.models.evidence import EvidenceKind
    from fieldapp.services.support_records import support_records_add
    from tests.factories import HUNG_CHAU, move_to_neighbour

    person = make_person()
    skills_record(caller=None, person=person, grant=[Skill.cashless_payment], evidence_kind="visit")
    support_records_add(caller=None, helper_id=None, person=person, skills=[Skill.cashless_payment],
                        source_kind=EvidenceKind.visit, source_id="V1", supported_at=utcnow(), proof="none",
                        flags=[])
    db.session.commit()
    neighbour, moved = move_to_neighbour(client, login, person)
    assert moved.status_code == 200, moved.get_json()
    db.session.expire_all()
    assert db.session.scalars(sa.select(PersonSkill.commune_code).where(
        PersonSkill.person_id == person.id)).all() == [neighbour]
    assert set(db.session.scalars(sa.select(SkillEvent.commune_code).where(
        SkillEvent.person_id == person.id))) == {neighbour}
    assert db.session.scalars(sa.select(SupportRecord.commune_code).where(
        SupportRecord.person_id == person.id)).all() == [HUNG_CHAU]
