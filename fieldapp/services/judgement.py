"""The judgement of where and when a scan or a visit happened: the flags and reasons the server finds,
and the verdict they give. Check-ins (fieldapp.services.checkins) and visits (fieldapp.services.visits)
are judged by these same rules.

Why: support is official evidence, and a volunteer could inflate figures by scanning a photo of a code
from home, replaying an old scan, or faking the GPS. A reason rejects; a flag keeps the record with it,
for auditors (and, when its kind of evidence says so, holds it back for review: fieldapp.models.evidence)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from fieldapp.geo import LatLon, distance_m
from fieldapp.models.evidence import Verdict
from fieldapp.qr import signing


@dataclass
class Judgement:
    """What the checks found: reasons to reject, or flags to keep it with."""

    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        if self.reasons:
            return Verdict.rejected
        return Verdict.accepted_with_flags if self.flags else Verdict.verified

    @property
    def recorded_flags(self) -> list[str]:
        """What is kept with the verdict: the reasons of a rejection, else the flags."""
        return self.reasons or self.flags


def judge_place(judgement: Judgement, gps: dict | None, target: LatLon | None, radius_m: float) -> float | None:
    """Flags for where the phone was; returns the distance to the target when both are known."""
    config = current_app.config
    if gps is None:
        judgement.flags.append("no_gps")
        return None
    if gps.get("mock_location"):
        judgement.flags.append("mock_location")
    accuracy = gps.get("accuracy_m") or 0.0
    if accuracy > config["CHECKIN_LOW_ACCURACY_M"]:
        judgement.flags.append("low_gps_accuracy")
    if target is None:
        return None
    distance = distance_m(LatLon(gps["lat"], gps["lon"]), target)
    if distance > radius_m + accuracy:
        judgement.flags.append("far_from_site")
    return distance


def judge_time(judgement: Judgement, scanned_at: datetime, received_at: datetime) -> None:
    config = current_app.config
    if scanned_at > received_at + timedelta(seconds=config["CHECKIN_CLOCK_SKEW_SECONDS"]):
        judgement.reasons.append("future_scan")
    elif received_at - scanned_at > timedelta(seconds=config["CHECKIN_LATE_SYNC_SECONDS"]):
        judgement.flags.append("late_sync")  # scanned offline, synced later: fine, and marked


def judge_session_time(judgement: Judgement, *, step: int, scanned_at: datetime, starts_at: datetime,
                       ends_at: datetime) -> None:
    """A session's rotating code must be the one shown around the time of the scan (±1 step of 30 s),
    and the scan made within the session's window (± ``CHECKIN_WINDOW_TOLERANCE_SECONDS``)."""
    if abs(step - signing.session_step(scanned_at.timestamp())) > 1:
        judgement.reasons.append("expired")
    tolerance = timedelta(seconds=current_app.config["CHECKIN_WINDOW_TOLERANCE_SECONDS"])
    if not (starts_at - tolerance <= scanned_at <= ends_at + tolerance):
        judgement.flags.append("outside_window")
