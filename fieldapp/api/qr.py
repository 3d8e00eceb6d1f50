"""QR codes of households (plates), persons (cards) and sessions (rotating), and the public keys."""
from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from fieldapp.api.schemas import Id, Integer, PublicId
from fieldapp.auth.access import current_caller, requires
from fieldapp.auth.declaration import reads
from fieldapp.crypto.keys import public_keys
from fieldapp.extensions import db
from fieldapp.qr import images, signing
from fieldapp.selectors.households import household_get
from fieldapp.selectors.persons import person_get
from fieldapp.selectors.sessions import session_get

blp = Blueprint("qr", __name__, url_prefix="/api/v1", description="QR codes (mobile_contract/qr.md).")


class QrQuery(Schema):
    format = fields.String(load_default="png", validate=validate.OneOf(["png", "svg", "json"]))


class QrOut(Schema):
    payload = fields.String(required=True, metadata={"description": "the text in the code"})
    kind = fields.String(required=True)
    id = fields.String(required=True)
    step = Integer(allow_none=True, metadata={"description": "session codes: the 30-second step"})
    valid_until = Integer(allow_none=True, metadata={"description": "session codes: Unix time"})


def qr_response(kind: str, public_id: str, fmt: str, *, step: int | None = None):
    text = signing.qr_text(kind, public_id, step=step)
    db.session.commit()  # a first QR key may have been made just now
    if fmt == "png":
        return Response(images.png(text), mimetype="image/png")
    if fmt == "svg":
        return Response(images.svg(text), mimetype="image/svg+xml")
    seconds = signing.step_seconds()
    return {"payload": text, "kind": kind, "id": public_id, "step": step,
            "valid_until": None if step is None else (step + 1) * seconds}


_FORMATS = "`format=png` (default), `svg`, or `json` (the payload text)."
_FORMATS_DESCRIPTION = ("`format=png` (default): the code as a PNG image; `svg`: as SVG; `json`: the payload text "
                        "and what it encodes (see mobile_contract/qr.md).")
#: Every answer the ``format`` gives: the image (png, svg) or the payload text (json).
_IMAGES = {"200": {"description": _FORMATS_DESCRIPTION, "content": {
    "image/png": {"schema": {"type": "string", "format": "binary"}},
    "image/svg+xml": {"schema": {"type": "string"}},
    "application/json": {"schema": {"$ref": "#/components/schemas/QrOut"}}}}}


@blp.route("/households/<public_id:household_id>/qr", methods=["GET"])
@requires("household.read", personal_data="none")
@blp.arguments(QrQuery, location="query")
@blp.response(200, QrOut, description=_FORMATS)
@blp.doc(responses=_IMAGES)
def household_qr(args, household_id):
    """The household's plate: a signed code with its public id only."""
    household = household_get(caller=current_caller(), public_id=household_id)
    return qr_response("household", household.public_id, args["format"])


@blp.route("/persons/<public_id:person_id>/qr", methods=["GET"])
@requires("person.read", personal_data="none")
@blp.arguments(QrQuery, location="query")
@blp.response(200, QrOut, description=_FORMATS)
@blp.doc(responses=_IMAGES)
def person_qr(args, person_id):
    """A resident's person card: a signed code with their public id only."""
    person = person_get(caller=current_caller(), public_id=person_id)
    return qr_response("person", person.public_id, args["format"])


@blp.route("/sessions/<public_id:session_id>/qr", methods=["GET"])
@requires("session.read", personal_data="none")
@blp.arguments(QrQuery, location="query")
@blp.response(200, QrOut, description=_FORMATS + " The code changes every 30 s.")
@blp.doc(responses=_IMAGES)
def session_qr(args, session_id):
    """The session's rotating code for the current time step."""
    session = session_get(caller=current_caller(), public_id=session_id)
    return qr_response("session", session.public_id, args["format"], step=signing.session_step())


class QrKeyOut(Schema):
    key_id = fields.String(required=True)
    algorithm = fields.String(required=True, metadata={"example": "ed25519"})
    public_key = fields.String(required=True, metadata={"description": "raw 32 bytes, base64"})
    retired = fields.Boolean(required=True, metadata={"description": "codes signed with it are refused"})


@blp.route("/qr-keys", methods=["GET"])
@requires("unit.read", personal_data="none")
@blp.response(200, QrKeyOut(many=True))
def qr_keys():
    """The public keys that sign QR codes, for verifying scans offline on the phone."""
    return [{"key_id": k.key_id, "algorithm": "ed25519", "public_key": k.public_key,
             "retired": k.retired_at is not None}
            for k in public_keys(purpose="qr")]


class IdsInQuery(fields.List):
    """A list of public ids in a query string, repeated (``?ids=A&ids=B``) or comma-separated (``?ids=A,B``).

    Why both: 500 ids repeated make a request line of 8,042 bytes, within 150 of the longest gunicorn
    accepts at all (8,190); comma-separated they make 6,046 (docs/deploy.md, issue 12).
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list | tuple):
            value = [part for item in value for part in self._parts(item)]
        return super()._deserialize(value, attr, data, **kwargs)

    @staticmethod
    def _parts(item) -> list:
        if isinstance(item, str) and "," in item:
            return [piece for piece in item.split(",") if piece]
        return [item]


class PlatesQuery(Schema):
    village_id = Id(metadata={"description": "every household of the village"})
    ids = IdsInQuery(PublicId(), validate=validate.Length(max=500),
                     metadata={"description": "or these households, at most 500: repeated (`?ids=A&ids=B`) or "
                                              "comma-separated (`?ids=A,B`; the shorter request line for many)"})


@blp.route("/households/plates.pdf", methods=["GET"])
@requires("household.read", personal_data=reads("household_plates"))
@blp.arguments(PlatesQuery, location="query")
@blp.response(200, description="A4 PDF, 12 labels a page: code, head of household, address.",
              content_type="application/pdf")
def household_plates(args):
    """Printable plates of a village's households (or chosen ones), for the team leader to print."""

    from fieldapp.errors import AppError
    from fieldapp.qr.sheets import plates_pdf
    from fieldapp.selectors.households import household_by_ids, household_list_query, household_plate_labels

    caller = current_caller()
    if bool(args.get("village_id")) == bool(args.get("ids")):
        raise AppError("plates.target_required", errors={"village_id": ["village_id or ids"]})
    if args.get("ids"):
        households = sorted(household_by_ids(caller=caller, public_ids=args["ids"]), key=lambda h: h.id)
    else:
        households = list(db.session.scalars(household_list_query(caller=caller, village_id=args["village_id"])))
    if not households:
        raise AppError("household.not_found")
    labels = household_plate_labels(households)
    db.session.commit()
    return Response(plates_pdf(labels), mimetype="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="ma-qr-ho-gia-dinh.pdf"'})
