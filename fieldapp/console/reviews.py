"""The review queue: evidence held back in my area with its flags explained, what the scan carried and
where the phone was, accepted or rejected with a reason through the service ``POST /api/v1/reviews``
calls. No photo: the mobile contract carries none (said on the page)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from fieldapp.auth.callers import Caller
from fieldapp.auth.declaration import declares, reads
from fieldapp.console.base import bp, page, page_context
from fieldapp.console.maps import projection
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.geo import point_of
from fieldapp.models.evidence import ReviewDecision
from fieldapp.models.households import Household
from fieldapp.models.sessions import LearningSession
from fieldapp.models.skills import SKILL_VI, Skill
from fieldapp.models.types import INT32
from fieldapp.models.users import User
from fieldapp.selectors import paginate
from fieldapp.selectors.reviews import STATES, TARGET_TYPES, review_items, review_queue_query
from fieldapp.services.activity import personal_data_read_record
from fieldapp.services.reviews import review_decide

TYPE_VI = {"checkin": "Điểm danh (quét mã)", "visit": "Lượt thăm hộ", "skill": "Kỹ năng tự khai"}
STATE_VI = {"pending": "Chờ duyệt", "decided": "Đã quyết định", "all": "Tất cả"}
#: What each flag means, as the officer reads it (mobile_contract/evidence.md).
FLAG_VI = {"late_sync": "gửi lên muộn", "no_gps": "không có GPS", "mock_location": "vị trí giả lập",
           "low_gps_accuracy": "GPS kém chính xác", "far_from_site": "ở xa địa điểm",
           "outside_window": "ngoài giờ buổi học", "expired": "mã đã hết hạn", "future_scan": "giờ quét ở tương lai",
           "no_plate_scan": "không quét biển mã của hộ", "plate_of_another_household": "quét biển mã của hộ khác"}
STATUS_VI = {"held": "chờ duyệt", "counted": "được tính", "rejected": "không được tính",
             "claimed": "tự khai, chờ xác nhận", "confirmed": "đã xác nhận", "withdrawn": "đã rút"}
DECISION_VI = {ReviewDecision.accepted: "Công nhận", ReviewDecision.rejected: "Không công nhận"}
REASON_REQUIRED = "ghi lý do (người làm và người kiểm tra sẽ đọc)"


#: Said once on the page, plainly: the issue asked for "the photo of the scan data", and there is none.
NO_PHOTO = ("Ứng dụng trên điện thoại không chụp và không gửi ảnh nào: hợp đồng dữ liệu với ứng dụng "
            "(mobile_contract) không có trường ảnh. Trang này hiện những gì lượt quét mang theo: mã QR đã giải và "
            "kiểm chữ ký, giờ quét và giờ máy chủ nhận, vị trí GPS với độ chính xác, khoảng cách tới nơi cần đến, "
            "các ghi chú kiểm tra và điểm trên bản đồ.")
NO_DEVICE = "không có: ứng dụng không gửi loại máy hay phiên bản ứng dụng (hợp đồng dữ liệu không có trường này)"
#: What was scanned, as the officer reads it.
SCANNED_VI = {"session": "Mã buổi học", "household": "Biển mã của hộ", "person": "Thẻ của người dân",
              "unknown": "Mã không đọc được"}
PROOF_VI = {"qr_plate": "quét biển mã QR của hộ", "gps": "chỉ có vị trí GPS ở nhà hộ",
            "none": "không có (không quét biển mã, GPS không chứng minh được)"}
#: One metre in degrees of latitude (the little map's radius around the target).
METRES_PER_DEGREE = 111_320


def flag_explained(flag: str) -> str:
    """Why the flag was given, with the thresholds in force (mobile_contract/qr.md's table, in Vietnamese)."""
    config = current_app.config
    explained = {
        "late_sync": f"Máy chủ nhận sau giờ quét hơn {config['CHECKIN_LATE_SYNC_SECONDS'] // 60} phút: ghi khi "
                     "không có mạng rồi gửi sau (bình thường, chỉ được đánh dấu).",
        "no_gps": "Điện thoại không gửi vị trí GPS, nên không kiểm tra được nơi quét.",
        "mock_location": "Điện thoại báo vị trí là giả lập (một ứng dụng đổi vị trí đang chạy): vị trí không đáng tin.",
        "low_gps_accuracy": f"Sai số GPS điện thoại báo lớn hơn {config['CHECKIN_LOW_ACCURACY_M']} m.",
        "far_from_site": "Điện thoại ở xa nơi cần đến hơn bán kính cho phép cộng sai số GPS.",
        "outside_window": f"Quét trước giờ bắt đầu hoặc sau giờ kết thúc buổi học hơn "
                          f"{config['CHECKIN_WINDOW_TOLERANCE_SECONDS'] // 60} phút.",
        "expired": "Mã buổi học đã đổi (quét một mã cũ, có thể từ ảnh chụp màn hình).",
        "future_scan": "Giờ quét đi trước giờ máy chủ: đồng hồ điện thoại chạy sai.",
        "no_plate_scan": "Không quét biển mã QR của hộ: không có gì chứng minh tình nguyện viên đã đến cửa.",
        "plate_of_another_household": "Biển mã quét được là của một hộ khác.",
    }
    if flag in explained:
        return explained[flag]
    if flag.startswith("plate_"):
        return f"Biển mã quét được không hợp lệ ({flag.removeprefix('plate_')})."
    return flag


def flag_vi(flag: str) -> str:
    if flag in FLAG_VI:
        return FLAG_VI[flag]
    if flag.startswith("plate_"):
        return "biển mã không hợp lệ"
    return flag


def _targets(items: list[dict]) -> dict[tuple[str, str], tuple[float, float]]:
    """Where each item's target is (a household's door, a session's venue): beside the phone's point."""
    households = {i["target"]["id"] for i in items if i["target"].get("kind") == "household"}
    sessions = {i["target"]["id"] for i in items if i["target"].get("kind") == "session"}
    found: dict[tuple[str, str], tuple[float, float]] = {}
    if households:
        for public_id, location in db.session.execute(select(Household.public_id, Household.location)
                                                      .where(Household.public_id.in_(households))):
            if (p := point_of(location)) is not None:
                found[("household", public_id)] = (p.lon, p.lat)
    if sessions:
        for public_id, venue in db.session.execute(select(LearningSession.public_id, LearningSession.venue)
                                                   .where(LearningSession.public_id.in_(sessions))):
            if (p := point_of(venue)) is not None:
                found[("session", public_id)] = (p.lon, p.lat)
    return found


def _little_map(item: dict, target: tuple[float, float] | None) -> dict | None:
    """The phone's point and its target's, on a small map of their own, with the radius the scan was
    judged against drawn around the target (a point outside it is what ``far_from_site`` says)."""
    phone = item.get("location")
    if phone is None:
        return None
    positions = [(phone["lon"], phone["lat"])] + ([target] if target else [])
    proj = projection(positions)
    radius_m = (item.get("scan") or {}).get("radius_m")
    return {"projection": proj, "phone": proj.xy(phone["lon"], phone["lat"]),
            "target": proj.xy(*target) if target else None,
            "radius": round(radius_m / METRES_PER_DEGREE * proj.scale, 1) if target and radius_m else None}


def _queue_page(caller: Caller, *, errors: dict | None = None, status: int = 200):
    errors = errors or {}
    page_number = min(max(request.args.get("page", 1, type=int), 1), INT32[1])
    target_type = request.args.get("type") if request.args.get("type") in TARGET_TYPES else None
    state = request.args.get("state") if request.args.get("state") in STATES else "pending"
    result = paginate(review_queue_query(caller=caller, target_type=target_type, state=state), page=page_number,
                      per_page=20, rows=True)
    items = review_items(result["items"])
    targets = _targets(items)
    for item in items:
        target = item["target"]
        item["map"] = _little_map(item, targets.get((target.get("kind"), target.get("id"))))
        item["key"] = f"{item['type']}:{item['id']}"
        item["skill_vi"] = SKILL_VI.get(Skill(target["skill"])) if target.get("skill") in Skill._value2member_map_ \
            else target.get("skill")
    people = {i["recorded_by"] for i in items if i["recorded_by"]} | \
        {d.reviewed_by for i in items for d in i["decisions"]}
    names = dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(people))).all()) if people else {}
    # The queue shows where each phone was, and whose skills: a read of personal data (as GET /reviews logs it).
    personal_data_read_record(caller=caller, object_type="review_queue", object_id="list", log_unit=caller.unit_code,
                              body={"count": len(items), "page": page_number, "items": [i["key"] for i in items]})
    db.session.commit()
    args = {k: v for k, v in {"type": target_type, "state": state if state != "pending" else None}.items() if v}
    return render_template("console/reviews.html", items=items, result=result, names=names, errors=errors,
                           type_vi=TYPE_VI, state_vi=STATE_VI, decision_vi=DECISION_VI, flag_vi=flag_vi,
                           flag_explained=flag_explained, scanned_vi=SCANNED_VI, proof_vi=PROOF_VI,
                           no_photo=NO_PHOTO, no_device=NO_DEVICE, status_vi=STATUS_VI,
                           target_type=target_type, state=state, args=args, **page_context(caller)), status


@bp.route("/reviews", methods=["GET"])
@declares(personal_data=reads("review_queue"))
@page("evidence.review")
def reviews(caller: Caller):
    """Evidence of my area held back for review, oldest first: check-ins, visits and claimed skills."""
    return _queue_page(caller)


@bp.route("/reviews", methods=["POST"])
@declares(personal_data="write")
@page("evidence.review")
def review_submit(caller: Caller):
    """Accept or reject one item, with a reason: the API's ``POST /reviews``."""
    target_type, target_ref = request.form.get("type", ""), request.form.get("id", "")[:64]
    decision, reason = request.form.get("decision", ""), request.form.get("reason", "").strip()[:1000]
    key = f"{target_type}:{target_ref}"
    problems = []
    if target_type not in TARGET_TYPES or not target_ref:
        problems.append("không rõ minh chứng nào")
    if decision not in ReviewDecision._value2member_map_:
        problems.append("chọn công nhận hoặc không công nhận")
    if not reason:
        problems.append(REASON_REQUIRED)
    if not problems:
        try:
            review, status = review_decide(caller=caller, target_type=target_type, target_ref=target_ref,
                                           decision=decision, reason=reason)
        except AppError as error:
            if error.status == 404:
                raise
            problems.append(error.message("vi"))
        else:
            db.session.commit()
            flash(f"Đã {DECISION_VI[review.decision].lower()} minh chứng {target_ref}.", "ok")
            return redirect(url_for(".reviews"))
    return _queue_page(caller, errors={key: problems, "reason_text": {key: reason}}, status=422)
