"""The skills catalogue (issue 16): every skill has its Vietnamese name and its framework, fits the
columns that store it, and the new ones are recorded and read back like the old."""
import pytest

from fieldapp.models import PersonSkill, Role
from fieldapp.models.skills import FRAMEWORK_VI, SKILL_CATALOGUE, SKILL_VI, Skill, SkillFramework
from tests.factories import make_person, make_user

NEW = ["internet_basics", "online_health_care", "selling_online", "digital_savings", "ai_tools",
       "professional_information_systems"]
#: The values stored before issue 16: they keep their meaning (no migration moves them).
EARLIER = ["online_public_services", "online_shopping", "cashless_payment", "online_safety", "local_digital_platforms",
           "vneid_level2", "digital_bank_account", "online_documents", "digital_signature",
           "vneid_programme_confirmed"]


def test_every_skill_is_in_the_catalogue_with_a_label_and_a_framework():
    assert list(SKILL_CATALOGUE) == list(Skill)
    for skill, (label, framework) in SKILL_CATALOGUE.items():
        assert label and SKILL_VI[skill] == label
        assert isinstance(framework, SkillFramework) and FRAMEWORK_VI[framework]
    assert set(FRAMEWORK_VI) == set(SkillFramework)


def test_earlier_values_are_unchanged_and_the_plans_skills_are_added():
    values = [s.value for s in Skill]
    assert values[:len(EARLIER)] == EARLIER
    assert set(NEW) <= set(values)
    assert SKILL_CATALOGUE[Skill.selling_online][1] is SkillFramework.model_4t
    assert SKILL_CATALOGUE[Skill.online_health_care][1] is SkillFramework.elderly_classes
    assert SKILL_CATALOGUE[Skill.professional_information_systems][1] is SkillFramework.civil_service_plan


def test_every_value_fits_the_stored_columns(db):
    lengths = {column.type.length for table in db.metadata.tables.values() for column in table.columns
               if getattr(column.type, "enum_class", None) is Skill}
    assert lengths == {32}
    assert max(len(s.value) for s in Skill) <= 32


@pytest.mark.parametrize("skill", NEW)
def test_a_new_skill_is_recorded_and_read_back(client, login, db, skill):
    officer = login(make_user(role=Role.commune_officer))
    person = make_person()
    response = client.post(f"/api/v1/persons/{person.public_id}/skills", headers=officer,
                           json={"grant": [skill], "evidence_kind": "other", "evidence_ref": "lớp học 12/2026"})
    assert response.status_code == 200, response.get_json()
    assert [s["skill"] for s in response.get_json()["skills"]] == [skill]
    db.session.expire_all()
    stored = db.session.query(PersonSkill).filter_by(person_id=person.id).one()
    assert stored.skill is Skill(skill)


def test_the_exported_documentation_lists_each_skill_with_its_framework(app):
    from fieldapp.cli.contract import exports_markdown
    with app.app_context():
        text = exports_markdown()
    for skill, (label, framework) in SKILL_CATALOGUE.items():
        assert f"| `{skill.value}` | {label} | `{framework.value}`: {FRAMEWORK_VI[framework]} |" in text
