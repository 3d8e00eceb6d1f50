"""The list of people supported, a page at a time."""
from __future__ import annotations

from flask import render_template, request

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, list_read_body, reads
from fieldapp.console.base import bp, page_context, signed_in
from fieldapp.extensions import db
from fieldapp.models.types import INT32
from fieldapp.selectors import paginate
from fieldapp.selectors.support_records import HEADERS, support_records_query, support_rows
from fieldapp.services.activity import personal_data_read_record


@bp.route("/support-records", methods=["GET"])
@declares(personal_data=reads("support_record_list"))
@signed_in
def support_records(caller: Caller):
    """The list of people supported, a page at a time, as ``GET /api/v1/support-records`` gives it."""
    # 1 .. 2**31-1 as in the API: a huge page number overflowed the query's OFFSET (500)
    page = min(max(request.args.get("page", 1, type=int), 1), INT32[1])
    verified_only = request.args.get("verified") == "1"
    result = paginate(support_records_query(caller=caller, verified_only=verified_only), page=page,
                      per_page=None)
    rows = support_rows(result["items"], start=(page - 1) * result["per_page"] + 1)
    # The entry GET /api/v1/support-records leaves for the same page (the declaration alone cannot
    # see which records a rendered page showed).
    personal_data_read_record(caller=caller, object_type="support_record_list", object_id="list",
                              log_unit=caller.unit_code,
                              body=list_read_body(ids=[r.id for r in result["items"]], total=result["total"],
                                                  page=page))
    db.session.commit()
    return render_template("console/support_records.html", headers=HEADERS, rows=rows, result=result,
                           verified_only=verified_only, **page_context(caller))
