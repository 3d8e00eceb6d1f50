"""What counts as evidence, in one place: the statuses, the rule that gives them, and the reviews.

Why: the plans count results only as lists of people supported and activity logs that inspections can
trust (seed 003: "phải được tổng hợp, ghi nhận thông qua danh sách người được hỗ trợ, nhật ký hoạt
động"). A check-in or a visit the server doubted (a mocked GPS, a phone far from the place, another
household's plate) is kept and shown, as auditors want, but it is *held back*: it counts for nothing
(no session's count, no list of people supported, no skill, no Digital Family) until an officer of
the area accepts it on review. Every count, list and status reads :class:`EvidenceStatus` and
:class:`SkillStatus`, never a verdict or a flag directly.

The rule (:func:`evidence_status`):

- ``rejected`` when the server rejected it (a code forged or expired, a time in the future), or an
  officer rejected it on review;
- ``held`` when one of its flags holds back evidence of its kind (the table ``HOLD_BACK``, setting
  ``EVIDENCE_HOLD_BACK``) and no officer has accepted it;
- ``counted`` otherwise: verified, flagged only with flags that do not hold back (``late_sync``, a
  visit without a plate scan but with good GPS at the house), or accepted on review.

Reviews (:class:`EvidenceReview`) are appended, never changed: a later decision on the same evidence
revises the earlier one (``revises_id``) and both stay, each with its activity-log entry.
"""
from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, sync_stamp_column


class EvidenceStatus(str, enum.Enum):
    """Whether a check-in, a visit, or a support record counts."""

    counted = "counted"
    held = "held"
    rejected = "rejected"


class SkillStatus(str, enum.Enum):
    """A skill held on counted evidence is ``confirmed``; on evidence held back (or on no evidence the
    system can check, recorded by a field user), ``claimed`` until an officer reviews it."""

    confirmed = "confirmed"
    claimed = "claimed"


class Verdict(str, enum.Enum):
    """The server's judgement of a check-in or a visit (fieldapp.services.judgement), where its
    status starts from: a rejected one never counts."""

    verified = "verified"
    accepted_with_flags = "accepted_with_flags"
    rejected = "rejected"


class EvidenceKind(str, enum.Enum):
    """What a skill or a support record rests on."""

    visit = "visit"
    session = "session"
    mentoring = "mentoring"
    import_ = "import"
    other = "other"


class ReviewDecision(str, enum.Enum):
    accepted = "accepted"
    rejected = "rejected"


class EvidenceType(str, enum.Enum):
    """What a rule of ``HOLD_BACK`` applies to, and what a review is of."""

    checkin_session = "checkin.session"
    checkin_household = "checkin.household"
    checkin_person = "checkin.person"
    visit = "visit"
    skill = "skill"


#: Which flags hold back evidence of which kind, until an officer accepts it on review. A flag not
#: here (``late_sync``: synced late; ``no_plate_scan`` alone: GPS at the house proves the visit;
#: ``low_gps_accuracy`` at a session, whose rotating code proves presence) is shown but does not hold
#: back. Why each:
HOLD_BACK: dict[str, frozenset[EvidenceType]] = {
    # The phone said its position was mocked: no GPS of it proves anything.
    "mock_location": frozenset(EvidenceType) - {EvidenceType.skill},
    # Farther from the venue or the house than its radius plus the reported accuracy.
    "far_from_site": frozenset(EvidenceType) - {EvidenceType.skill},
    # A session's code scanned outside its time window (± the tolerance): not at that class.
    "outside_window": frozenset({EvidenceType.checkin_session}),
    # A plate is printed once and can be photographed: without a good GPS fix, a plate scan (or a
    # visit) could have been made from anywhere.
    "no_gps": frozenset({EvidenceType.checkin_household, EvidenceType.checkin_person, EvidenceType.visit}),
    "low_gps_accuracy": frozenset({EvidenceType.checkin_household, EvidenceType.checkin_person,
                                   EvidenceType.visit}),
    # The visit's plate is another household's, or not a plate this service signed (any reason a
    # scanned code is refused: fieldapp.qr.signing), so it proves no presence at this door.
    **{f"plate_{reason}": frozenset({EvidenceType.visit}) for reason in (
        "of_another_household", "bad_signature", "unknown_key", "retired_key", "malformed", "foreign",
        "unsupported_version")},
    # A skill recorded by a volunteer or leader on nothing the system can check (a free reference,
    # a visit or session that is not about this person, a mentorship without a recorded meeting).
    "no_system_evidence": frozenset({EvidenceType.skill}),
}


def hold_back_table(setting: Mapping[str, Iterable[str]] | None = None) -> dict[str, frozenset[EvidenceType]]:
    """``HOLD_BACK``, or the table a deployment set (``EVIDENCE_HOLD_BACK``: flag → kinds)."""
    if setting is None:
        return HOLD_BACK
    return {flag: frozenset(EvidenceType(kind) for kind in kinds) for flag, kinds in setting.items()}


def configured_hold_back() -> dict[str, frozenset[EvidenceType]]:
    """The table this deployment uses (the app's ``EVIDENCE_HOLD_BACK``)."""
    from flask import current_app

    return hold_back_table(current_app.config.get("EVIDENCE_HOLD_BACK"))


def checkin_type(target_kind: str) -> EvidenceType:
    """The kind of a check-in, by what was scanned (a rejected scan's "unknown" counts as a session's:
    a rejected one never counts, whatever its kind)."""
    return {"household": EvidenceType.checkin_household,
            "person": EvidenceType.checkin_person}.get(target_kind, EvidenceType.checkin_session)


def holding_flags(kind: EvidenceType, flags: Iterable[str], table: Mapping[str, frozenset[EvidenceType]]) -> list[str]:
    """The flags that hold back evidence of ``kind``."""
    return [flag for flag in flags if kind in table.get(flag, ())]


def evidence_status(kind: EvidenceType, *, rejected: bool, flags: Iterable[str],
                    table: Mapping[str, frozenset[EvidenceType]],
                    decision: ReviewDecision | None = None) -> EvidenceStatus:
    """The one rule (see the module's docstring). ``rejected``: the server's verdict; ``decision``:
    the latest review of it, if any."""
    if rejected or decision == ReviewDecision.rejected:
        return EvidenceStatus.rejected
    if decision == ReviewDecision.accepted or not holding_flags(kind, flags, table):
        return EvidenceStatus.counted
    return EvidenceStatus.held


class EvidenceReview(db.Model):
    """An officer's decision on held-back evidence (a check-in, a visit, a claimed skill), with why.

    Appended, never changed: a later decision on the same evidence names the one it revises, and the
    evidence's status follows the latest. Each decision is also an activity-log entry.
    """

    __tablename__ = "evidence_reviews"

    #: The decision's id: ``id`` in the answer, ``review_id`` in its log entry, what a later one revises.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The commune whose evidence it is (its log and its officers).
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    #: "checkin", "visit" or "skill".
    target_type: Mapped[str] = mapped_column(String(16))
    #: The evidence as the API names it: a check-in's id (its client_id), a visit's public id, or a
    #: skill as "<person public id>:<skill>".
    target_ref: Mapped[str] = mapped_column(String(64), index=True)
    #: ``accepted`` (the evidence counts) or ``rejected`` (it never will), until a later decision revises it.
    decision: Mapped[ReviewDecision] = mapped_column(Enum(ReviewDecision, native_enum=False, length=16))
    #: Why, in the officer's words (shown to the volunteer and to inspectors).
    reason: Mapped[str] = mapped_column(Text)
    #: The flags the evidence carried when it was decided on, comma-separated.
    flags: Mapped[str] = mapped_column(Text, default="")
    #: The officer who decided (``evidence.review``), of the evidence's area.
    reviewed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: When they decided.
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The earlier decision on the same evidence that this one revises.
    revises_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_reviews.id"))
    #: The transaction that wrote it: the volunteer whose evidence it decides pulls it (sync.md).
    sync_tx: Mapped[int | None] = sync_stamp_column()


#: What each kind is, for the document.
_KIND_NAMES = {
    EvidenceType.checkin_session: "a check-in with a session's rotating code",
    EvidenceType.checkin_household: "a check-in with a household's plate",
    EvidenceType.checkin_person: "a check-in with a person card",
    EvidenceType.visit: "a door-to-door visit (`POST /visits`)",
    EvidenceType.skill: "a skill recorded by hand or by a mentorship",
}


def evidence_markdown() -> str:
    """``mobile_contract/evidence.md``: the statuses, what the phone shows, and the table of what holds
    evidence back (generated from ``HOLD_BACK`` by ``fieldapp contract write``; a test fails on drift)."""
    lines = [
        "# What counts as evidence",
        "",
        "Generated from `fieldapp/models/evidence.py` by `fieldapp contract write`; a test fails when it drifts.",
        "",
        "Every check-in, visit and support record carries `evidence_status`, and every skill a `status`. Every",
        "count, list and status the service gives (a session's `checkins`, the projector's live count, the list",
        "of people supported and its exports, `is_digital_core`, a household's Digital Family status and",
        "`visited`, the worklist's lacking skills, and the indicators when they come) takes only what counts.",
        "",
        "| `evidence_status` | meaning | what the phone shows |",
        "|---|---|---|",
        "| `counted` | verified, or flagged only with flags that do not hold back (below), or accepted on review | "
        "done (✓) |",
        "| `held` | kept with its flags, counted for nothing until an officer of the area accepts it "
        "(`GET /reviews`, `POST /reviews`) | recorded, awaiting the commune's check (⏳), with the flags that hold "
        "it back; do not send it again (a retry is answered as the first time) |",
        "| `rejected` | by the server (a code forged, expired or of another kind, a time in the future) or on "
        "review: never counted | not counted (✗), with its reasons or the reviewer's |",
        "",
        "| skill `status` | meaning | what the phone shows |",
        "|---|---|---|",
        "| `confirmed` | on counted evidence, or recorded by an officer, or accepted on review | held |",
        "| `claimed` | on evidence held back (a visit, a check-in), or recorded by a volunteer or leader on "
        "nothing the system can check (`evidence_kind` other or import, a visit or session not about this person, "
        "a mentorship without a meeting recorded with a place) | claimed, awaiting the commune's check; the person "
        "still lacks it for the Digital Family |",
        "",
        "A skill rejected on review leaves the record (its history keeps every change: `granted`, `confirmed`,",
        "`rejected`, `withdrawn`). A later good check-in to the same session counts, whatever an earlier doubtful",
        "one was; a doubtful one after a counted one is `409 checkin.duplicate`.",
        "",
        "## Which flags hold evidence back",
        "",
        "A flag not in this table is shown and does not hold back (`late_sync`; `no_plate_scan` alone, when the",
        "GPS was at the house). A deployment may set its own table (`EVIDENCE_HOLD_BACK`, JSON: flag → kinds);",
        "the statuses already given stay as they were given.",
        "",
        "| flag | holds back |",
        "|---|---|",
    ]
    for flag in sorted(HOLD_BACK):
        kinds = ", ".join(f"`{kind.value}`" for kind in EvidenceType if kind in HOLD_BACK[flag])
        lines.append(f"| `{flag}` | {kinds} |")
    lines += ["", "| kind | is |", "|---|---|"]
    lines += [f"| `{kind.value}` | {name} |" for kind, name in _KIND_NAMES.items()]
    lines += [
        "",
        "## Reviews",
        "",
        "Officers of the area (`evidence.review`) list what waits, oldest first (`GET /reviews?type=&flag=&",
        "village_id=&volunteer_id=&since=&until=&state=pending|decided|all`) and decide with a reason",
        "(`POST /reviews` `{type, id, decision: accepted|rejected, reason}`; `id` is a check-in's `id`, a",
        "visit's `id`, or `<person id>:<skill>`). A decision is appended, never changed: a later one on the same",
        "evidence revises it (`revises_id`), and each is an activity-log entry (`review.accept`,",
        "`review.reject`) in the commune's log. A visit's decision carries its support records and the skills it",
        "recorded. Verified evidence and what the server rejected are not reviewable (`409",
        "review.not_reviewable`); accepting a second check-in to a session the person already counts at is",
        "`409 review.already_counted`.",
    ]
    return "\n".join(lines) + "\n"
