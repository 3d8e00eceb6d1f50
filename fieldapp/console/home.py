"""The dashboard: the caller's area and its figures."""
from __future__ import annotations

from flask import render_template

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares
from fieldapp.console.base import bp, page_context, signed_in
from fieldapp.models.evidence import EvidenceStatus
from fieldapp.selectors import count_of
from fieldapp.selectors.checkins import checkin_status_counts
from fieldapp.selectors.households import household_list_query
from fieldapp.selectors.persons import person_list_query
from fieldapp.selectors.support_records import support_records_query


@bp.route("/", methods=["GET"])
@declares(personal_data="none")  # counts only
@signed_in
def home(caller: Caller):
    """The caller's area and its figures, each read through the API's scoped selector."""
    checkins = checkin_status_counts(caller=caller)
    figures = {
        "households": count_of(household_list_query(caller=caller)),
        "digital_families": count_of(household_list_query(caller=caller, digital_family=True)),
        "people": count_of(person_list_query(caller=caller)),
        "checkins_counted": checkins[EvidenceStatus.counted],
        "checkins_held": checkins[EvidenceStatus.held],
        "checkins_rejected": checkins[EvidenceStatus.rejected],
        "support_records": count_of(support_records_query(caller=caller)),
        "support_records_held": count_of(support_records_query(caller=caller, evidence_status=EvidenceStatus.held)),
        "support_records_verified": count_of(support_records_query(caller=caller, verified_only=True)),
    }
    return render_template("console/home.html", figures=figures, **page_context(caller))
