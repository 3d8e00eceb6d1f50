"""Public results: a province's or a commune's main indicators and its province's ranking of communes, for
anyone, without signing in; aggregates only, small counts suppressed, cached."""
from flask import current_app
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.indicators import PeriodOut
from fieldapp.auth.declaration import declares
from fieldapp.clock import today_in_vietnam
from fieldapp.errors import AppError
from fieldapp.extensions import limiter
from fieldapp.periods import QUARTER_PATTERN, PeriodError, report_quarter_named, report_quarter_of
from fieldapp.replicas.operations import replica_read
from fieldapp.selectors.public_results import public_results_get

blp = Blueprint("public_results", __name__, url_prefix="/api/v1",
                description="Public results: aggregates only, small counts suppressed, cached; no sign-in.")

SUPPRESSION = ("every count below `threshold` (zero included) is null, and so is a share whose numerator or "
               "denominator is; beside them, more counts are hidden where the province's total less the shown "
               "ones would give a hidden one back (the smallest shown first; the province's own total when no "
               "commune is left to hide): no suppressed count can be recovered by subtraction")


class PublicQuery(Schema):
    period = fields.String(load_default=None, validate=validate.Regexp(QUARTER_PATTERN), metadata={
        "description": "a quarter, `2026-Q3`: the reporting quarter the communes' quarterly report covers "
                       "(10/06–09/09/2026, mobile_contract/reports.md), and only quarters (no published period "
                       "contains another); none: the current one"})


class PublicTargetOut(Schema):
    share = fields.Float(required=True, allow_none=True)
    head_count = fields.Integer(required=True, allow_none=True)


class PublicIndicatorOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["share", "count"]))
    numerator = fields.Integer(required=True, allow_none=True, metadata={"description": "null: suppressed"})
    denominator = fields.Integer(required=True, allow_none=True, metadata={
        "description": "null for a count, or suppressed"})
    denominator_source = fields.String(required=True, allow_none=True, metadata={
        "description": "`registry`, `population` (the unit's population figure) or `records`"})
    share = fields.Float(required=True, allow_none=True)
    target = fields.Nested(PublicTargetOut, required=True, allow_none=True)
    suppressed = fields.Boolean(required=True, metadata={"description": SUPPRESSION})


class PublicCriterionOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    scale = fields.String(required=True)
    weight = fields.Float(required=True)


class PublicClassOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    min_score = fields.Float(required=True, allow_none=True)


class PublicScoredOut(Schema):
    code = fields.String(required=True)
    value = fields.Float(required=True, allow_none=True)
    score = fields.Float(required=True)


class PublicRankedOut(Schema):
    rank = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    score = fields.Float(required=True)
    class_code = fields.String(required=True, data_key="class")
    class_name = fields.String(required=True)
    criteria = fields.List(fields.Nested(PublicScoredOut), required=True)


class PublicUnitRefOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class PublicRankingOut(Schema):
    criteria = fields.List(fields.Nested(PublicCriterionOut), required=True)
    classes = fields.List(fields.Nested(PublicClassOut), required=True)
    total = fields.Integer(required=True, metadata={"description": "how many communes are ranked publicly"})
    items = fields.List(fields.Nested(PublicRankedOut), required=True, metadata={
        "description": "the province's communes whose every criterion is shown, in rank order (a commune's "
                       "page: its own entry); equal scores share a rank, listed by code"})
    not_ranked = fields.List(fields.Nested(PublicUnitRefOut), required=True, metadata={
        "description": "communes not ranked publicly: a criterion of theirs is suppressed"})


class PublicUnitOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(["province", "commune"]))
    province_code = fields.String(required=True)


class SuppressionOut(Schema):
    threshold = fields.Integer(required=True)
    rule = fields.String(required=True)


class PublicResultsOut(Schema):
    unit = fields.Nested(PublicUnitOut, required=True)
    period = fields.Nested(PeriodOut, required=True)
    as_of = fields.DateTime(required=True, metadata={
        "description": "when it was computed (it is kept a short while: Cache-Control)"})
    suppression = fields.Nested(SuppressionOut, required=True)
    indicators = fields.List(fields.Nested(PublicIndicatorOut), required=True)
    ranking = fields.Nested(PublicRankingOut, required=True)


def _quarter(text: str | None):
    if text is None:
        return report_quarter_of(today_in_vietnam())
    try:
        return report_quarter_named(text)
    except PeriodError:
        raise AppError("request.invalid", errors={"period": ["a quarter, such as 2026-Q3"]}) from None


def _address() -> str:
    # The address alone, whatever Authorization header comes with it: the application's limit counts a
    # request with a bearer header (even a made-up one, which this route never checks) by that header.
    return "public-address:" + (get_remote_address() or "-")


@blp.route("/public/results/<code>", methods=["GET"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PER_TOKEN"], key_func=_address)
@declares(personal_data="none")
@replica_read
@blp.arguments(PublicQuery, location="query")
@blp.response(200, PublicResultsOut, headers={
    "Cache-Control": {"description": "`public, max-age=N`: N seconds, as long as the server keeps it",
                      "schema": {"type": "string"}},
    "X-Cache": {"description": "`hit` when served from the server's cache, `miss` when computed for it",
                "schema": {"type": "string", "enum": ["hit", "miss"]}}})
def public_results(args, code):
    """A province's or a commune's results for a quarter, for anyone (no sign-in): its main indicators,
    small counts suppressed, and its province's ranking of communes."""
    config = current_app.config
    ttl = config["PUBLIC_RESULTS_TTL_SECONDS"]
    found = public_results_get(code=code, period=_quarter(args["period"]),
                               threshold=config["PUBLIC_RESULTS_MIN_COUNT"], ttl=ttl)
    body = {"unit": found.unit, "period": found.period, "as_of": found.as_of,
            "suppression": {"threshold": found.threshold, "rule": SUPPRESSION},
            "indicators": found.indicators, "ranking": found.ranking}
    return body, 200, {"Cache-Control": f"public, max-age={ttl}", "X-Cache": "hit" if found.cached else "miss"}
