"""What a record names as its evidence (a visit, a session, a mentorship, a check-in), looked up
through the caller's reach: evidence of another area is not found, exactly like an id that does not
exist, so a body cannot point at (or probe for) what the caller may not read."""
from __future__ import annotations

import re

from fieldapp.auth.callers import Caller
from fieldapp.errors import AppError, FieldMessage
from fieldapp.models.evidence import EvidenceKind
from fieldapp.models.mentorships import InteractionMethod, Mentorship

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_NOT_THE_MENTEE = FieldMessage("không phải mã thẻ của người học, cũng không phải mã lượt điểm danh",
                               "neither the mentee's person-card id nor a check-in's id")


def skill_evidence_check(*, caller: Caller, kind: EvidenceKind, ref: str | None) -> None:
    """A skill's ``evidence_ref``: the id of the visit, session or mentorship of ``kind`` (404
    otherwise); for ``import`` and ``other`` it is a free reference (a list's name, a document's
    number) that names nothing of ours."""
    from fieldapp.selectors.mentorships import mentorship_get
    from fieldapp.selectors.sessions import session_get
    from fieldapp.selectors.visits import visit_get

    if ref is None:
        return
    if kind == EvidenceKind.visit:
        visit_get(caller=caller, public_id=ref)
    elif kind == EvidenceKind.session:
        session_get(caller=caller, public_id=ref)
    elif kind == EvidenceKind.mentoring:
        mentorship_get(caller=caller, public_id=ref)


def interaction_evidence_check(*, caller: Caller, mentorship: Mentorship, method: InteractionMethod,
                               ref: str | None) -> None:
    """A mentoring meeting's ``evidence_ref``. ``qr_scan``: the id on the mentee's person card, or the
    check-in that scanned it (the ``id`` ``POST /checkins`` answered); ``visit``, ``session``: the visit
    or the session it happened at; ``in_person``: free (nothing was scanned)."""
    from fieldapp.selectors.checkins import checkin_get
    from fieldapp.selectors.sessions import session_get
    from fieldapp.selectors.visits import visit_get

    if ref is None:
        return
    if method == InteractionMethod.qr_scan:
        if _UUID.match(ref):
            checkin_get(caller=caller, client_id=ref.lower())
        elif mentorship.mentee_person is None or ref != mentorship.mentee_person.public_id:
            raise AppError("person.not_found", errors={"evidence_ref": [_NOT_THE_MENTEE]})
    elif method == InteractionMethod.visit:
        visit_get(caller=caller, public_id=ref)
    elif method == InteractionMethod.session:
        session_get(caller=caller, public_id=ref)
