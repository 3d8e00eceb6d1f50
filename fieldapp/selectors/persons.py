"""Reads of residents, through the caller's reach (out of it: 404)."""
from __future__ import annotations

from sqlalchemy import Select, case, select
from sqlalchemy.orm import selectinload

from fieldapp.auth.callers import Caller
from fieldapp.auth.scope import communes_clause, household_clause
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.households import Household
from fieldapp.models.persons import Person
from fieldapp.text import fold


def person_clause(caller: Caller):
    """People are seen where their household is seen."""
    return Person.household_id.in_(select(Household.id).where(household_clause(caller)))


def person_get(*, caller: Caller, public_id: str) -> Person:
    person = db.session.scalar(select(Person).options(selectinload(Person.skills))
                               .where(Person.public_id == public_id, person_clause(caller)))
    if person is None:
        raise AppError("person.not_found")
    return person


def person_list_query(*, caller: Caller, household: Household | None = None, q: str | None = None,
                      commune_code: str | None = None) -> Select:
    # Loaded with the page: PersonOut shows the platform's confirmation of a skill (a query per person otherwise).
    query = (select(Person).options(selectinload(Person.skills), selectinload(Person.platform_confirmations))
             .where(person_clause(caller)))
    if household is not None:
        query = query.where(Person.household_id == household.id)
    if q:
        # A name is no longer searched once consent is withdrawn (the person is still listed, masked).
        query = query.where(Person.consent_withdrawn_at.is_(None))
        for word in fold(q).split(" "):
            query = query.where(Person.name_folded.contains(word, autoescape=True))
    if commune_code:
        query = query.where(Person.commune_code == commune_code, communes_clause(caller, Person.commune_code))
    return query.order_by(case((Person.is_head.is_(True), 0), else_=1), Person.id)


def commune_person_get(*, caller: Caller | None, public_id: str) -> Person:
    """A resident of the caller's area, found by the id on their person card.

    Wider than the household registry's reads for a volunteer (their assigned doors only): a mentor
    meets mentees anywhere in the commune and knows them by the card they scan.
    """
    person = db.session.scalar(select(Person).where(Person.public_id == public_id,
                                                    communes_clause(caller, Person.commune_code)))
    if person is None:
        raise AppError("person.not_found")
    return person


def persons_by_citizen_digests(*, caller: Caller, digests: set[str]) -> list[Person]:
    """The people of the caller's area whose citizen id hashes to one of ``digests`` (with their skills):
    the national platform's confirmations are matched this way, never on the id in clear."""
    if not digests:
        return []
    found: list[Person] = []
    ordered = sorted(digests)
    for start in range(0, len(ordered), 1000):
        found += db.session.scalars(select(Person).options(selectinload(Person.skills)).where(
            Person.citizen_id_hash.in_(ordered[start:start + 1000]),
            communes_clause(caller, Person.commune_code))).all()
    return found
