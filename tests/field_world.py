"""A volunteer of a team, assigned a household at Hùng Châu's centre, and a commune officer: the field
the indicators' and the roll-ups' tests record evidence in (tests/test_indicators.py,
tests/test_tallies.py), and the visit they post."""
import uuid

from fieldapp.clock import utcnow
from fieldapp.models import Role
from fieldapp.models.skills import DIGITAL_FAMILY_SKILLS
from tests.factories import HUNG_CHAU_CENTRE, assign, make_household, make_team, make_user

LAT, LON = HUNG_CHAU_CENTRE
#: The five Digital Family skills: a person holding them has the basic skills.
FIVE = sorted(s.value for s in DIGITAL_FAMILY_SKILLS)
#: A fix at the house: the visit is proven and counted.
HERE = {"lat": LAT, "lon": LON, "accuracy_m": 5}
#: A mocked fix far away: the visit is held back.
MOCKED_FAR = {"lat": LAT + 0.05, "lon": LON, "accuracy_m": 5, "mock_location": True}


def field_world(login) -> dict:
    volunteer = make_user()
    team = make_team(members=[volunteer])
    household = make_household(lat=LAT, lon=LON)
    assign(household, volunteer, team)
    officer = make_user(role=Role.commune_officer)
    return {"volunteer": volunteer, "headers": login(volunteer), "household": household, "team": team,
            "officer": officer, "officer_headers": login(officer)}


def post_visit(client, world, people, gps=HERE, visited_at=None) -> dict:
    """The volunteer's visit to the household: ``people`` as (person, skills) pairs; its answer."""
    answer = client.post("/api/v1/visits", headers=world["headers"], json={
        "client_id": str(uuid.uuid4()), "household_id": world["household"].public_id, "outcome": "supported",
        "visited_at": (visited_at or utcnow()).isoformat(), "gps": gps,
        "people": [{"person_id": p.public_id, "skills": skills} for p, skills in people]})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()
