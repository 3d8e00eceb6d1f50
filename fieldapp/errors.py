"""One error family, one envelope, one catalogue of stable codes.

Services raise :class:`AppError` with a code from :data:`CATALOGUE`; the handler renders the
envelope of CONTRACT.md in Vietnamese, or English when the client asks with ``Accept-Language``.
``mobile_contract/errors.md`` is generated from the catalogue (``fieldapp contract write``).
"""
from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from flask import g, request
from werkzeug.exceptions import HTTPException


@dataclass(frozen=True)
class ErrorSpec:
    #: Stable dotted code the mobile app switches on.
    code: str
    #: HTTP status it is sent with.
    status: int
    #: Message in Vietnamese (default) and English; ``{name}`` placeholders take ``params``.
    vi: str
    en: str


_SPECS = [
    # Requests that cannot be read
    ErrorSpec("request.malformed_json", 400, "Nội dung yêu cầu không phải JSON hợp lệ.",
              "The request body is not valid JSON."),
    ErrorSpec("request.bad_request", 400, "Yêu cầu không hợp lệ.", "The request is not valid."),
    ErrorSpec("request.invalid", 422, "Dữ liệu gửi lên không hợp lệ, xem chi tiết từng trường.",
              "The data sent is not valid; see the errors for each field."),
    ErrorSpec("request.nested_too_deep", 400, "Nội dung JSON lồng nhau quá sâu (tối đa {max} cấp).",
              "The JSON body is nested too deeply (at most {max} levels)."),
    ErrorSpec("request.too_large", 413, "Nội dung yêu cầu quá lớn.", "The request body is too large."),
    ErrorSpec("request.rate_limited", 429, "Quá nhiều yêu cầu, vui lòng thử lại sau.",
              "Too many requests; try again later."),
    ErrorSpec("request.conflict", 409, "Dữ liệu vừa được thay đổi bởi một yêu cầu khác, vui lòng thử lại.",
              "The data was changed by another request at the same time; try again."),
    ErrorSpec("request.unsupported_media_type", 415, "Định dạng nội dung không được hỗ trợ.",
              "Unsupported content type."),
    # Requests the HTTP server in front of the app refuses before the app sees them (gunicorn's own
    # errors, fieldapp/serving/workers.py, and nginx's, docs/deploy.md): the same envelope, issue 12.
    ErrorSpec("request.line_too_long", 414, "Đường dẫn của yêu cầu (địa chỉ và tham số) quá dài.",
              "The request line (path and query) is too long."),
    ErrorSpec("request.header_too_large", 431, "Phần tiêu đề (header) của yêu cầu quá lớn hoặc quá nhiều.",
              "The request headers are too large or too many."),
    ErrorSpec("request.timeout", 408, "Yêu cầu không được gửi đến kịp thời.",
              "The request was not received in time."),
    ErrorSpec("request.expectation_failed", 417, "Máy chủ không đáp ứng được tiêu đề Expect của yêu cầu.",
              "The Expect header of the request cannot be met."),
    ErrorSpec("request.transfer_coding_unsupported", 501,
              "Kiểu mã hóa truyền tải (Transfer-Encoding) không được hỗ trợ.",
              "The Transfer-Encoding of the request is not supported."),
    # HTTP-level
    ErrorSpec("http.not_found", 404, "Không tìm thấy.", "Not found."),
    ErrorSpec("http.method_not_allowed", 405, "Phương thức không được phép cho đường dẫn này.",
              "Method not allowed for this path."),
    ErrorSpec("http.not_acceptable", 406, "Không có định dạng phù hợp.", "No acceptable representation."),
    ErrorSpec("server.error", 500, "Lỗi máy chủ, sự cố đã được ghi nhận.",
              "Server error; the fault has been recorded."),
    ErrorSpec("server.unavailable", 503, "Dịch vụ tạm thời quá tải, vui lòng thử lại.",
              "The service is temporarily unavailable; try again."),
    ErrorSpec("server.database_unavailable", 503, "Không kết nối được cơ sở dữ liệu.",
              "The database cannot be reached."),
    ErrorSpec("server.signing_key_missing", 503,
              "Máy chủ chưa có khóa ký ({purpose}); người vận hành cần chạy fieldapp keys rotate --purpose {purpose}.",
              "The server has no {purpose} signing key; the operator must run fieldapp keys rotate "
              "--purpose {purpose}."),
    ErrorSpec("server.timeout", 504, "Máy chủ xử lý yêu cầu quá lâu nên đã dừng lại, vui lòng thử lại sau.",
              "The server took too long to handle the request and stopped it; try again later."),
    ErrorSpec("server.bad_gateway", 502, "Máy chủ ứng dụng không trả lời, vui lòng thử lại sau.",
              "The application server did not answer; try again later."),
    # Authentication and permission
    ErrorSpec("auth.required", 401, "Cần đăng nhập.", "Authentication required."),
    ErrorSpec("auth.token_invalid", 401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại.",
              "The token is invalid, expired or revoked; sign in again."),
    ErrorSpec("auth.bad_credentials", 401, "Số điện thoại hoặc mật khẩu không đúng.",
              "Wrong phone number or password."),
    ErrorSpec("auth.throttled", 429, "Đăng nhập sai quá nhiều lần, vui lòng thử lại sau.",
              "Too many failed sign-ins; try again later."),
    ErrorSpec("auth.forbidden", 403, "Vai trò của bạn không được phép làm việc này.",
              "Your role is not allowed to do this."),
    # Administrative units
    ErrorSpec("unit.not_found", 404, "Không tìm thấy đơn vị hành chính {code}.",
              "Administrative unit {code} not found."),
    ErrorSpec("unit.wrong_level", 422, "Đơn vị {code} không phải cấp {level} như vai trò yêu cầu.",
              "Unit {code} is not at the {level} level this role needs."),
    # Periods, rankings (issue 17): rules a request's shape cannot state
    ErrorSpec("targets.invalid", 422, "Chỉ tiêu không hợp lệ: năm ngoài 2020–2035, một chỉ tiêu nêu hai lần, "
              "vừa tỷ lệ vừa số người, hoặc thiếu nguồn (số, ngày kế hoạch).",
              "Targets refused by a rule no schema states: a year outside 2020–2035, an indicator given twice, or "
              "both a share and a head count, or no source for a target set (`errors` names each)."),
    ErrorSpec("indicators.one_subject", 422, "Chỉ chọn một đối tượng: một đơn vị, một thôn, một tổ chức, một tổ "
              "hoặc một tình nguyện viên.",
              "Name one subject only: a unit, a village, an organisation, a team or a volunteer."),
    ErrorSpec("indicators.unit_required", 422, "Hãy chọn một tỉnh hoặc một xã.",
              "Name a province or a commune."),
    ErrorSpec("period.invalid", 422, "Kỳ không hợp lệ: ngày không có thật, khoảng ngày ngược hoặc quá ba năm, "
              "hoặc ngoài các năm 2020–2035.",
              "Not a period: a day that does not exist, a range backwards or over three years, or outside "
              "2020–2035."),
    ErrorSpec("ranking.unit_invalid", 422, "Không xếp hạng {level} trong đơn vị này: xã được xếp hạng trong tỉnh, "
              "tổ trong xã; tình nguyện viên và Đại sứ số trong xã hoặc tỉnh.",
              "{level} are not ranked in this unit: communes within a province, teams within a commune, "
              "volunteers and ambassadors within a commune or a province."),
    ErrorSpec("ranking.scheme_invalid", 422, "Cách xếp hạng không hợp lệ, xem chi tiết từng trường.",
              "The ranking scheme breaks a rule; see the errors for each field."),
    # Activity log
    ErrorSpec("activity.size_beyond_log", 422, "Nhật ký mới có {current} mục, không có cây kích thước {size}.",
              "The log has {current} entries; there is no tree of size {size}."),
    ErrorSpec("activity.bad_proof_range", 422, "Khoảng chứng minh không hợp lệ (cần seq < size, first ≤ second).",
              "Invalid proof range (seq < size and first ≤ second are required)."),
    ErrorSpec("activity.entry_not_found", 404, "Không có mục này trong nhật ký.", "No such entry in this log."),
    ErrorSpec("activity.log_empty", 404, "Nhật ký của {log} chưa có mục nào được ký.",
              "The log of {log} has no signed entries yet."),
    # Places
    ErrorSpec("location.outside_vietnam", 422, "Vị trí nằm ngoài lãnh thổ Việt Nam.",
              "The location is outside Vietnam."),
    ErrorSpec("location.out_of_range", 422, "Tọa độ không hợp lệ (vĩ độ -90..90, kinh độ -180..180).",
              "Coordinates out of range (lat -90..90, lon -180..180)."),
    ErrorSpec("location.swapped", 422, "Vĩ độ và kinh độ có vẻ bị đảo ngược (lat, lon).",
              "Latitude and longitude look swapped."),
    ErrorSpec("location.outside_commune", 422, "Vị trí cách xã {km} km, không thể thuộc xã này.",
              "The location is {km} km from the commune; it cannot be in it."),
    ErrorSpec("geojson.invalid", 422, "Vùng vẽ (GeoJSON) không hợp lệ.", "The GeoJSON shape is not valid."),
    # Villages, households, people
    ErrorSpec("village.not_found", 404, "Không tìm thấy thôn/xóm.", "Village not found."),
    ErrorSpec("village.name_taken", 409, "Xã đã có thôn/xóm tên này.",
              "The commune already has a village of this name."),
    ErrorSpec("household.not_found", 404, "Không tìm thấy hộ gia đình.", "Household not found."),
    ErrorSpec("person.not_found", 404, "Không tìm thấy người dân.", "Person not found."),
    ErrorSpec("person.possible_duplicate", 409,
              "Có thể trùng người đã có trong thôn (cùng họ tên, cùng năm sinh hoặc một bên không rõ năm sinh). "
              "Gửi lại với confirm_duplicate=true nếu đúng là người khác.",
              "Possibly a duplicate of someone in the village (same name, and the same birth year or one of "
              "them unknown). Send again with confirm_duplicate=true if this is someone else."),
    ErrorSpec("person.head_taken", 409, "Hộ đã có chủ hộ.", "The household already has a head."),
    ErrorSpec("person.birth_year_invalid", 422, "Năm sinh không hợp lệ.", "Invalid birth year."),
    # Decree 13/2023/NĐ-CP art. 12, Law 91/2025/QH15: after a withdrawal nothing new is processed.
    ErrorSpec("person.consent_withdrawn", 409,
              "Người này đã rút lại sự đồng ý xử lý dữ liệu cá nhân: không ghi thêm thông tin hay hỗ trợ nào "
              "cho họ. Nếu họ đồng ý lại, hãy ghi nhận sự đồng ý (consent) trước.",
              "This person withdrew consent to the processing of their personal data: nothing more is "
              "recorded about them. If they consent again, record the consent first."),
    ErrorSpec("person.erased", 409,
              "Dữ liệu của người này đã được xoá theo yêu cầu: hồ sơ chỉ còn để thống kê, không sửa "
              "hay ghi thêm được.",
              "This person's data was erased at their request: the record is kept only for the counts "
              "and cannot be changed or added to."),
    ErrorSpec("skill.confirmation_date_invalid", 422,
              "Ngày xác nhận trên VNeID không hợp lệ (từ khi chương trình bắt đầu đến hôm nay).",
              "The VNeID confirmation date is not valid (from the programme's start to today)."),
    ErrorSpec("skill.confirmation_date_required", 422, "Cần ngày xác nhận trên VNeID.",
              "The VNeID confirmation date is required."),
    # Teams and assignments
    ErrorSpec("organisation.not_found", 404, "Không tìm thấy cơ quan, trường học hoặc doanh nghiệp.",
              "Organisation not found."),
    ErrorSpec("indicators.not_built", 503,
              "Số liệu tổng hợp chưa được lập cho địa bàn này: người quản trị cần chạy “fieldapp tallies rebuild”.",
              "The roll-ups are not built for this area yet: an operator must run `fieldapp tallies rebuild`."),
    ErrorSpec("organisation.code_taken", 409, "Mã này đã có cơ quan, trường học hoặc doanh nghiệp khác.",
              "Another organisation already has this code."),
    ErrorSpec("organisation.focal_not_eligible", 422, "Tài khoản đầu mối đã bị khoá.",
              "The focal person's account is disabled."),
    ErrorSpec("organisation.member_outside", 422,
              "Người này không ở trong địa bàn của cơ quan, trường học hoặc doanh nghiệp.",
              "This person does not live in the organisation's area."),
    ErrorSpec("organisation.member_not_found", 404, "Người này không thuộc cơ quan, trường học hoặc doanh nghiệp.",
              "This person is not a member of the organisation."),
    ErrorSpec("support.organisation_not_member", 422,
              "Người được hỗ trợ không phải thành viên của cơ quan, trường học hoặc doanh nghiệp được ghi nhận.",
              "The person helped is not a member of the organisation named."),
    ErrorSpec("team.not_found", 404, "Không tìm thấy tổ.", "Team not found."),
    ErrorSpec("team.member_not_eligible", 422, "Người này không thể vào tổ (khác xã hoặc không phải tình nguyện viên).",
              "This user cannot join the team (another commune, or not a volunteer)."),
    ErrorSpec("assignment.volunteer_not_in_team", 422, "Tình nguyện viên không thuộc tổ của bạn.",
              "The volunteer is not in your team."),
    ErrorSpec("assignment.target_required", 422, "Cần đúng một trong: household_ids, village_id, polygon.",
              "Exactly one of household_ids, village_id, polygon is required."),
    ErrorSpec("assignment.nothing_selected", 422, "Không có hộ nào trong phạm vi đã chọn.",
              "No household in your area matches the selection."),
    # An import's report: each error of a file or a row carries one of these codes (``errors[].code``),
    # its message in ``reason`` (Vietnamese unless English was asked for).
    ErrorSpec("import.file_xls", 422, "Chỉ đọc được tệp .xlsx hoặc .csv: hãy mở tệp trong Excel và lưu lại dạng .xlsx",
              "Only .xlsx and .csv files can be read: open the file in Excel and save it as .xlsx"),
    ErrorSpec("import.file_broken", 422, "Tệp .xlsx bị hỏng, không mở được",
              "The .xlsx file is broken and cannot be opened"),
    ErrorSpec("import.file_compression", 422,
              "Tệp .xlsx dùng cách nén mà Excel không dùng, không đọc được: hãy mở trong Excel và lưu lại",
              "The .xlsx file uses a compression Excel does not use: open it in Excel and save it again"),
    ErrorSpec("import.file_dtd", 422, "Tệp .xlsx có khai báo DTD (Excel không bao giờ ghi), không đọc được",
              "The .xlsx file declares a DTD (Excel never writes one): it cannot be read"),
    ErrorSpec("import.file_bad_row_number", 422, "Tệp .xlsx bị hỏng: số dòng không hợp lệ ({ref})",
              "The .xlsx file is broken: a row number is not valid ({ref})"),
    ErrorSpec("import.file_bad_cell_reference", 422, "Tệp .xlsx bị hỏng: địa chỉ ô không hợp lệ ({ref})",
              "The .xlsx file is broken: a cell reference is not valid ({ref})"),
    ErrorSpec("import.file_not_utf8", 422, "Tệp CSV phải lưu dạng UTF-8 (trong Excel: CSV UTF-8)",
              "A CSV file must be saved as UTF-8 (in Excel: CSV UTF-8)"),
    ErrorSpec("import.file_nul", 422, "Tệp CSV chứa ký tự NUL (không phải văn bản): hãy lưu lại dạng CSV UTF-8",
              "The CSV file holds NUL characters (it is not text): save it as CSV UTF-8"),
    ErrorSpec("import.file_record_too_long", 422,
              "Dòng {line} dài hơn {max} ký tự, không đọc được tệp (có thể thiếu dấu ngoặc kép đóng)",
              "Line {line} is longer than {max} characters: the file cannot be read (a closing quote may be missing)"),
    ErrorSpec("import.file_unreadable", 422, "Không đọc được tệp: tệp bị hỏng hoặc không phải bảng tính",
              "The file cannot be read: it is broken or not a spreadsheet"),
    ErrorSpec("import.file_empty", 422, "Tệp rỗng", "The file is empty"),
    ErrorSpec("import.file_no_header", 422, "Tệp không có dòng tiêu đề", "The file has no header row"),
    ErrorSpec("import.file_no_rows", 422, "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề",
              "The file has no data row below its header"),
    ErrorSpec("import.column_unknown", 422, "Cột không được hỗ trợ: {header}", "Column not supported: {header}"),
    ErrorSpec("import.column_repeated", 422, "Cột bị lặp: {header} (đã có cột {first})",
              "Repeated column: {header} (column {first} is there already)"),
    ErrorSpec("import.column_missing", 422, "Thiếu cột {name} ({column})", "Column {name} ({column}) is missing"),
    ErrorSpec("import.location_columns", 422, "Cần cả hai cột Vĩ độ và Kinh độ, hoặc không cột nào",
              "Both the latitude and longitude columns, or neither"),
    ErrorSpec("import.cell_without_header", 422, "Có dữ liệu ở cột thứ {index}, cột này không có tiêu đề",
              "There is data in column {index}, which has no header"),
    ErrorSpec("import.household_key_missing", 422, "Thiếu mã hộ", "The household key is missing"),
    ErrorSpec("import.village_unknown", 422, "Không có thôn/xóm này trong xã: {name}",
              "The commune has no village of this name: {name}"),
    ErrorSpec("import.village_missing", 422, "Thiếu thôn/xóm", "The village is missing"),
    ErrorSpec("import.address_missing", 422, "Thiếu địa chỉ", "The address is missing"),
    ErrorSpec("import.address_too_long", 422, "Địa chỉ quá dài (tối đa 300 ký tự)",
              "The address is too long (300 characters at most)"),
    ErrorSpec("import.location_incomplete", 422, "Cần cả vĩ độ và kinh độ, hoặc để trống cả hai",
              "Both latitude and longitude, or neither"),
    ErrorSpec("import.coordinate_invalid", 422, "{label} không hợp lệ: {value}", "Invalid {label}: {value}"),
    ErrorSpec("import.flag_invalid", 422, "Giá trị không hợp lệ: {value} (ghi x, có hoặc để trống)",
              "Invalid value: {value} (write x, có, or leave it blank)"),
    ErrorSpec("import.birth_year_unreadable", 422, "Năm sinh không hợp lệ: {value}", "Invalid birth year: {value}"),
    ErrorSpec("import.birth_year_out_of_range", 422, "Năm sinh không hợp lệ: {value} (1900–{last})",
              "Birth year out of range: {value} (1900–{last})"),
    ErrorSpec("import.sex_invalid", 422, "Giới tính không hợp lệ: {value} (Nam, Nữ hoặc Khác)",
              "Invalid sex: {value} (Nam, Nữ or Khác)"),
    ErrorSpec("import.phone_invalid", 422, "Số điện thoại không hợp lệ: {value}", "Invalid phone number: {value}"),
    ErrorSpec("import.name_missing", 422, "Thiếu họ tên", "The full name is missing"),
    ErrorSpec("import.name_too_long", 422, "Họ tên quá dài (tối đa 200 ký tự)",
              "The full name is too long (200 characters at most)"),
    ErrorSpec("import.head_taken", 422, "Hộ đã có chủ hộ (dòng {line})",
              "The household has a head already (line {line})"),
    ErrorSpec("import.household_mismatch", 422, "Không khớp với dòng {line} của cùng mã hộ {key}",
              "Does not match line {line} of the same household key {key}"),
    ErrorSpec("import.duplicate_in_file", 422, "Trùng người ở dòng {line}: {name} ({year})",
              "The same person as on line {line}: {name} ({year})"),
    ErrorSpec("import.duplicate_existing", 422, "Trùng người đã có: {name} ({year})",
              "Someone already registered: {name} ({year})"),
    ErrorSpec("import.target_group_unknown", 422,
              "Nhóm đối tượng không hợp lệ: {value} (ghi Cán bộ, công chức, viên chức; Học sinh, sinh viên; "
              "Người lao động doanh nghiệp; Người dân; nhiều nhóm cách nhau bằng dấu ;)",
              "Unknown target group: {value} (write public_staff, pupils_students, enterprise_workers, residents "
              "or their Vietnamese names; several separated by ;)"),
    # The national platform's confirmations (POST /platform-confirmations/import, mobile_contract/imports.md)
    ErrorSpec("import.identifier_missing", 422, "Thiếu số CCCD", "The identifier (CCCD) is missing"),
    ErrorSpec("import.identifier_invalid", 422, "Số CCCD phải gồm 12 chữ số",
              "The identifier (CCCD) must be 12 digits"),
    ErrorSpec("import.date_missing", 422, "Thiếu ngày xác nhận", "The confirmation date is missing"),
    ErrorSpec("import.date_invalid", 422, "Ngày không hợp lệ: {value} (ghi ngày/tháng/năm)",
              "Invalid date: {value} (write day/month/year)"),
    ErrorSpec("import.date_out_of_range", 422, "Ngày {value} phải từ {first} đến hôm nay",
              "The date {value} must be from {first} to today"),
    ErrorSpec("import.text_too_long", 422, "Quá dài (tối đa {most} ký tự)", "Too long (at most {most} characters)"),
    ErrorSpec("import.identifier_unmatched", 422, "Không có người nào có số CCCD này trong địa bàn",
              "Nobody in the area has this identifier"),
    ErrorSpec("import.identifier_restricted", 422,
              "Người có số CCCD này đã rút lại sự đồng ý hoặc đã bị xoá dữ liệu: không ghi nhận",
              "The person with this identifier withdrew consent or was erased: nothing recorded"),
    ErrorSpec("import.confirmation_repeated", 422, "Trùng số CCCD với dòng {line}: bỏ qua",
              "Same identifier as line {line}: skipped"),
    ErrorSpec("import.confirmation_held", 422, "{person} đã được xác nhận hoàn thành: bỏ qua",
              "{person} is already confirmed: skipped"),
    # Population figures from a sheet (POST /units/population/import, mobile_contract/imports.md)
    ErrorSpec("import.unit_missing", 422, "Thiếu mã đơn vị", "The unit code is missing"),
    ErrorSpec("import.unit_not_found", 422, "Không có xã hoặc tỉnh mã {code} trong địa bàn của bạn",
              "No commune or province with the code {code} in your area"),
    ErrorSpec("import.year_missing", 422, "Thiếu năm", "The year is missing"),
    ErrorSpec("import.year_invalid", 422, "Năm không hợp lệ: {value} ({first}–{last})",
              "Invalid year: {value} ({first}–{last})"),
    ErrorSpec("import.measure_missing", 422, "Thiếu chỉ tiêu", "The measure is missing"),
    ErrorSpec("import.measure_unknown", 422,
              "Chỉ tiêu không hợp lệ: {value} (ghi Người từ 18 tuổi trở lên, Công dân từ 16 tuổi trở lên, Hộ gia "
              "đình, Học sinh, sinh viên, Người lao động doanh nghiệp hoặc Cán bộ, công chức, viên chức)",
              "Unknown measure: {value} (write adults, citizens_from_16, households, pupils, workers, public_staff "
              "or their Vietnamese names)"),
    ErrorSpec("import.value_missing", 422, "Thiếu số liệu", "The value is missing"),
    ErrorSpec("import.value_invalid", 422, "Số liệu không hợp lệ: {value} (ghi một số nguyên từ 0 đến {most})",
              "Invalid value: {value} (write a whole number from 0 to {most})"),
    ErrorSpec("import.value_negative", 422, "Số liệu không được âm: {value}", "The value cannot be negative: {value}"),
    ErrorSpec("import.source_missing", 422, "Thiếu nguồn số liệu", "The source is missing"),
    ErrorSpec("import.figure_repeated", 422, "Trùng đơn vị, năm và chỉ tiêu với dòng {line}",
              "The same unit, year and measure as line {line}"),
    ErrorSpec("import.more_errors", 422, "… còn {count} lỗi nữa không hiển thị", "… {count} more errors not shown"),
    ErrorSpec("import.has_errors", 422, "Tệp có {count} lỗi; chưa ghi gì. Sửa các dòng được liệt kê rồi nhập lại.",
              "The file has {count} errors; nothing was written. Fix the rows listed and import again."),
    # A list kept by the console between its dry run and its import (fieldapp/services/imports/kept.py).
    ErrorSpec("import.kept_not_found", 404,
              "Không còn tệp đã kiểm tra này (có thể đã kiểm tra một tệp khác sau đó). Hãy chọn tệp và kiểm tra lại.",
              "This checked file is no longer kept (another file may have been checked since). Choose the file "
              "and check it again."),
    ErrorSpec("import.kept_expired", 410,
              "Tệp đã kiểm tra quá {minutes} phút nên không nhập được nữa. Hãy chọn tệp và kiểm tra lại.",
              "The file was checked more than {minutes} minutes ago and can no longer be imported. Choose the "
              "file and check it again."),
    ErrorSpec("import.kept_changed", 409,
              "Tệp đang lưu không khớp với tệp đã kiểm tra (mã SHA-256 khác), nên không nhập gì. Hãy chọn tệp và "
              "kiểm tra lại.",
              "The kept file does not match the file that was checked (its SHA-256 differs); nothing was "
              "imported. Choose the file and check it again."),
    # An import file past a limit (413, like a body past the size cap): `errors` names the limit and its value.
    ErrorSpec("import.too_many_rows", 413,
              "Tệp có hơn {max} dòng dữ liệu, quá giới hạn của một lần nhập. Hãy chia danh sách theo thôn/xóm "
              "và nhập từng phần.",
              "The file has more than {max} data rows, the limit for one import. Split the list by village "
              "and import each part."),
    ErrorSpec("import.too_many_columns", 413,
              "Tệp có hơn {max} cột (kể cả cột trống); danh sách hộ chỉ cần 15 cột. Hãy xóa các cột thừa "
              "rồi nhập lại.",
              "The file has more than {max} columns (empty ones included); a household list needs 15. Delete "
              "the extra columns and import again."),
    ErrorSpec("import.too_large", 413,
              "Tệp khi giải nén lớn hơn {max_mib} MiB, quá giới hạn của một lần nhập. Hãy chia danh sách theo "
              "thôn/xóm và nhập từng phần.",
              "Uncompressed, the file is larger than {max_mib} MiB, the limit for one import. Split the list "
              "by village and import each part."),
    ErrorSpec("import.too_compressed", 413,
              "Tệp nén bất thường (giải nén ra lớn hơn {max} lần), không được đọc.",
              "The file is abnormally compressed (it inflates more than {max} times); it was not read."),
    ErrorSpec("import.too_complex", 413,
              "Tệp .xlsx có quá nhiều thành phần (hơn {max}), không phải một bảng tính bình thường; không được "
              "đọc.",
              "The .xlsx file has too many parts (more than {max}); it is not an ordinary workbook and was "
              "not read."),
    # Sessions, check-ins, visits
    ErrorSpec("session.not_found", 404, "Không tìm thấy buổi học.", "Session not found."),
    ErrorSpec("session.window_invalid", 422, "Thời gian kết thúc phải sau thời gian bắt đầu.",
              "The session must end after it starts."),
    ErrorSpec("review.not_reviewable", 409,
              "Không có gì để duyệt: bằng chứng này đã được xác minh, đã bị từ chối tự động, hoặc không chờ duyệt.",
              "Nothing to review: this evidence was verified, rejected by the server, or is not awaiting review."),
    ErrorSpec("review.already_counted", 409,
              "Người này đã có một lượt điểm danh được tính cho buổi học này.",
              "This person already has a counted check-in for this session."),
    ErrorSpec("checkin.not_found", 404, "Không tìm thấy lượt điểm danh.", "Check-in not found."),
    ErrorSpec("checkin.duplicate", 409, "Bạn đã điểm danh buổi học này rồi.",
              "You have already checked in to this session."),
    ErrorSpec("idempotency.conflict", 409, "Mã client_id này đã được dùng cho một yêu cầu khác.",
              "This client_id was already used for a different request."),
    ErrorSpec("record.version_conflict", 412, "Bản ghi đã được sửa ở nơi khác (phiên bản hiện tại: {current}); "
              "hãy xem bản mới rồi sửa lại.",
              "The record was changed elsewhere (current version: {current}); review it and edit again."),
    ErrorSpec("record.version_invalid", 400, "If-Match phải là số phiên bản trong ngoặc kép, ví dụ \"3\".",
              "If-Match must be a version number in double quotes, for example \"3\"."),
    ErrorSpec("sync.batch_too_large", 413, "Một lần đồng bộ tối đa {limit} mục; hãy chia nhỏ.",
              "A push holds at most {limit} items; split it."),
    ErrorSpec("sync.deferred", 503, "Máy chủ đang bận: mục này chưa được xử lý, hãy gửi lại sau.",
              "The server is busy: this item was not processed, send it again later."),
    ErrorSpec("sync.unknown_kind", 422, "Loại mục không được hỗ trợ.", "This item kind is not supported."),
    ErrorSpec("sync.unknown_reference", 422, "Chưa có bản ghi nào mang client_id này: hãy gửi mục tạo ra nó "
              "trước (hoặc cùng lượt).",
              "Nothing was made under this client_id yet: push the item that makes it first (or in the same batch)."),
    ErrorSpec("sync.withdraw_not_allowed", 403, "Chỉ cán bộ xã mới thu hồi kỹ năng; từ thực địa kỹ năng chỉ "
              "được ghi thêm.", "Only officers withdraw a skill; from the field skills are only added."),
    ErrorSpec("sync.cursor_invalid", 422, "Con trỏ đồng bộ không hợp lệ: hãy đồng bộ lại từ đầu (không có cursor).",
              "The sync cursor is not valid: pull again from the start (no cursor)."),
    ErrorSpec("sync.cursor_expired", 410, "Con trỏ đồng bộ đã quá {days} ngày: hãy đồng bộ lại từ đầu "
              "(không có cursor).",
              "The sync cursor is older than {days} days: pull again from the start (no cursor)."),
    ErrorSpec("visit.not_found", 404, "Không tìm thấy lượt thăm hộ.", "Visit not found."),
    ErrorSpec("visit.people_required", 422, "Lượt hỗ trợ cần ít nhất một người được hỗ trợ và kỹ năng.",
              "A supported visit needs at least one person helped, with skills."),
    ErrorSpec("visit.person_not_in_household", 422, "Người này không thuộc hộ được thăm.",
              "This person is not a member of the visited household."),
    ErrorSpec("qr.rejected", 422, "Mã QR không hợp lệ ({reason}).", "The QR code was refused ({reason})."),
    ErrorSpec("attendee.person_required", 422, "Cần đúng một trong: person_card (thẻ đã quét) hoặc person_id.",
              "Exactly one of person_card (the scanned card) or person_id is required."),
    ErrorSpec("plates.target_required", 422, "Cần đúng một trong: village_id hoặc ids.",
              "Exactly one of village_id or ids is required."),
    ErrorSpec("export.too_many_rows", 422, "Danh sách có hơn {max} dòng: hãy thu hẹp bộ lọc (theo thôn, thời gian…).",
              "The list has more than {max} rows: narrow the filter (village, period…)."),
    ErrorSpec("location.incomplete", 422, "Cần cả vĩ độ và kinh độ.", "Both lat and lon are required."),
    ErrorSpec("qr.kind_mismatch", 422, "Mã QR không phải loại cần quét ở đây.",
              "This QR code is not the kind expected here."),
    # Digital Ambassadors and mentorships
    ErrorSpec("ambassador.not_found", 404, "Không tìm thấy Đại sứ số.", "Digital Ambassador not found."),
    ErrorSpec("ambassador.not_eligible", 422,
              "Chỉ tình nguyện viên hoặc tổ trưởng đang hoạt động của xã mới có thể làm Đại sứ số.",
              "Only an active volunteer or team leader of the commune can be a Digital Ambassador."),
    ErrorSpec("ambassador.already_appointed", 409, "Người này đã là Đại sứ số.",
              "This volunteer is already a Digital Ambassador."),
    ErrorSpec("mentorship.not_found", 404, "Không tìm thấy quan hệ hướng dẫn.", "Mentorship not found."),
    ErrorSpec("mentorship.mentor_not_ambassador", 422, "Người hướng dẫn phải là Đại sứ số.",
              "The mentor must be a Digital Ambassador."),
    ErrorSpec("mentorship.mentee_required", 422, "Cần đúng một người học: mentee_person_id hoặc mentee_user_id.",
              "Exactly one mentee is required: mentee_person_id or mentee_user_id."),
    ErrorSpec("mentorship.self", 422, "Không thể tự hướng dẫn chính mình.", "A mentor cannot mentor themselves."),
    ErrorSpec("mentorship.cycle", 422,
              "Người học này đang ở tuyến trên của người hướng dẫn trong mạng lưới; không thể tạo vòng.",
              "The mentee is above the mentor in the network; a mentorship cannot close a cycle."),
    ErrorSpec("mentorship.mentee_has_mentor", 409, "Người học đang có một người hướng dẫn khác.",
              "The mentee already has an active mentor."),
    ErrorSpec("mentorship.mentor_full", 409, "Người hướng dẫn đã có {max} người học đang hướng dẫn (mức tối đa).",
              "The mentor already has {max} active mentees (the ceiling)."),
    ErrorSpec("mentorship.mentee_not_volunteer", 422,
              "Người học có tài khoản phải là tình nguyện viên hoặc tổ trưởng đang hoạt động.",
              "A mentee with an account must be an active volunteer or team leader."),
    ErrorSpec("mentorship.mentee_outside_area", 422, "Người học không ở cùng xã với người hướng dẫn.",
              "The mentee is not in the mentor's commune."),
    ErrorSpec("mentorship.not_active", 409, "Quan hệ hướng dẫn đã kết thúc, không thể thay đổi.",
              "The mentorship has ended and cannot be changed."),
    ErrorSpec("mentorship.skills_not_reached", 422, "Người học chưa đạt hết các kỹ năng của quan hệ hướng dẫn.",
              "The mentee has not reached every skill of the mentorship."),
    ErrorSpec("mentorship.not_completed", 409, "Chỉ người học đã hoàn thành mới được đề cử làm Đại sứ số.",
              "Only a mentee who completed the mentorship can be promoted."),
    ErrorSpec("mentorship.not_the_mentor", 403,
              "Chỉ người hướng dẫn (hoặc tổ trưởng của họ, cán bộ xã khi thay đổi) mới làm được việc này.",
              "Only the mentor (or their team leader or an officer, for changes) can do this."),
    ErrorSpec("promotion.mentee_has_account", 422, "Người học đã có tài khoản: không cần user_id, phone hay password.",
              "The mentee already has an account: send no user_id, phone or password."),
    ErrorSpec("mentorship.start_in_future", 422, "Thời điểm bắt đầu hướng dẫn ở tương lai.",
              "The mentorship cannot start in the future."),
    ErrorSpec("promotion.account_required", 422,
              "Cần tài khoản cho Đại sứ số mới: user_id có sẵn, hoặc phone và password để tạo mới.",
              "The new ambassador needs an account: an existing user_id, or phone and password to create one."),
    ErrorSpec("interaction.time_invalid", 422,
              "Thời điểm buổi hướng dẫn không hợp lệ (ở tương lai hoặc ngoài thời gian hướng dẫn).",
              "The interaction time is not valid (in the future, or outside the mentorship)."),
    ErrorSpec("interaction.location_required", 422, "Cần vị trí (GPS) cho buổi hướng dẫn trực tiếp hoặc quét QR.",
              "A location (GPS) is required for an in-person meeting or a QR scan."),
    # The quarterly report's lifecycle (fieldapp/services/reports.py, mobile_contract/reports.md)
    ErrorSpec("report.submit_by_commune", 403,
              "Chỉ cán bộ của xã mới nộp báo cáo quý của xã; cấp tỉnh phê duyệt hoặc trả lại báo cáo.",
              "Only an officer of the commune submits its quarterly report; the province approves or returns it."),
    ErrorSpec("report.approve_by_province", 403,
              "Chỉ cán bộ cấp tỉnh (tỉnh của xã) mới phê duyệt hoặc trả lại báo cáo quý của xã.",
              "Only an officer of the commune's province approves or returns its quarterly report."),
    ErrorSpec("report.quarter_not_started", 422,
              "Kỳ báo cáo Quý {q}/{year} chưa bắt đầu (từ ngày {first}): chưa nộp được.",
              "The reporting quarter Q{q} {year} has not begun (it starts on {first}): it cannot be submitted yet."),
    ErrorSpec("report.already_submitted", 409,
              "Báo cáo Quý {q}/{year} của xã đã được nộp và đang chờ tỉnh phê duyệt; chỉ nộp lại được khi tỉnh "
              "trả lại.",
              "The commune's report for Q{q} {year} was already submitted and awaits the province; it can be "
              "submitted again only once the province returns it."),
    ErrorSpec("report.not_submitted", 409,
              "Báo cáo Quý {q}/{year} của xã chưa được nộp: chưa có gì để phê duyệt hay trả lại.",
              "The commune's report for Q{q} {year} has not been submitted: there is nothing to approve or return."),
    ErrorSpec("report.already_approved", 409, "Báo cáo Quý {q}/{year} của xã đã được phê duyệt.",
              "The commune's report for Q{q} {year} was already approved."),
    ErrorSpec("report.locked", 409,
              "Báo cáo Quý {q}/{year} của xã đã được phê duyệt và khoá: không nộp lại hay trả lại được nữa; số "
              "liệu ghi nhận sau được hiển thị riêng là phần bổ sung.",
              "The commune's report for Q{q} {year} is approved and locked: it cannot be submitted again or "
              "returned; evidence recorded later is shown apart, as late."),
    # Users
    ErrorSpec("user.not_found", 404, "Không tìm thấy tài khoản.", "Account not found."),
    ErrorSpec("user.phone_invalid", 422, "Số điện thoại không hợp lệ.", "Not a valid Vietnamese phone number."),
    ErrorSpec("user.phone_taken", 409, "Số điện thoại này đã có tài khoản.",
              "An account with this phone number already exists."),
    ErrorSpec("user.role_invalid", 422, "Vai trò không hợp lệ.", "Unknown role."),
    ErrorSpec("user.password_weak", 422, "Mật khẩu phải có ít nhất {min} ký tự.",
              "The password must have at least {min} characters."),
    ErrorSpec("user.grant_outside_scope", 403,
              "Bạn không thể cấp vai trò này hoặc cấp cho địa bàn ngoài phạm vi của bạn.",
              "You cannot grant this role, or grant it outside your area."),
    ErrorSpec("user.status_outside_scope", 403,
              "Bạn chỉ có thể khóa hoặc mở lại tài khoản có vai trò mà bạn được quyền cấp.",
              "You can disable or enable only accounts of the roles you may grant."),
    ErrorSpec("user.status_self", 422, "Không thể tự khóa hoặc mở lại tài khoản của chính mình.",
              "You cannot disable or enable your own account."),
]

CATALOGUE: dict[str, ErrorSpec] = {spec.code: spec for spec in _SPECS}

@dataclass(frozen=True)
class FieldMessage:
    """A message about one field, in both languages: what services put in ``errors`` (the envelope
    shows it in the caller's language, like marshmallow's own messages)."""

    vi: str
    en: str

    def __str__(self) -> str:
        return self.en


#: marshmallow's and webargs' field messages, in Vietnamese; ``{name}`` stands for what marshmallow
#: put there (a length, a bound, the choices), which the translation keeps.
FIELD_MESSAGES_VI = {
    "Missing data for required field.": "Thiếu trường bắt buộc.",
    "Unknown field.": "Trường không được phép.",
    "Field may not be null.": "Trường không được để trống.",
    "Field may not be blank.": "Không được để trống hoặc chỉ có dấu cách.",
    "Nothing to change: send at least one field.": "Không có gì để thay đổi: cần gửi ít nhất một trường.",
    "Invalid value.": "Giá trị không hợp lệ.",
    "Not a valid string.": "Phải là chuỗi ký tự.",
    "Not a valid integer.": "Phải là số nguyên.",
    "Not a valid number.": "Phải là số.",
    "Number too large.": "Số quá lớn.",
    "Special numeric values (nan or infinity) are not permitted.": "Không chấp nhận NaN hoặc vô cực.",
    "Not a valid boolean.": "Phải là đúng/sai.",
    "Not a valid datetime.": "Không phải thời điểm hợp lệ (ISO 8601).",
    "Not a valid aware datetime.": "Thời điểm phải có múi giờ (ISO 8601, ví dụ +07:00).",
    "Not a valid date.": "Không phải ngày hợp lệ (ISO 8601).",
    "Not a valid UUID.": "Không phải UUID hợp lệ.",
    "Not a valid list.": "Phải là danh sách.",
    "Not a valid mapping type.": "Phải là một đối tượng JSON.",
    "Invalid type.": "Kiểu dữ liệu không hợp lệ.",
    "Invalid input type.": "Kiểu dữ liệu không hợp lệ.",
    "Invalid JSON body.": "Nội dung không phải JSON hợp lệ.",
    "String does not match expected pattern.": "Không đúng định dạng.",
    "Shorter than minimum length {min}.": "Ngắn hơn độ dài tối thiểu {min}.",
    "Longer than maximum length {max}.": "Dài hơn độ dài tối đa {max}.",
    "Length must be between {min} and {max}.": "Độ dài phải từ {min} đến {max}.",
    "Length must be {equal}.": "Độ dài phải bằng {equal}.",
    "Must be greater than or equal to {min} and less than or equal to {max}.": "Phải từ {min} đến {max}.",
    "Must be greater than or equal to {min}.": "Phải lớn hơn hoặc bằng {min}.",
    "Must be less than or equal to {max}.": "Phải nhỏ hơn hoặc bằng {max}.",
    "Must be greater than {min}.": "Phải lớn hơn {min}.",
    "Must be less than {max}.": "Phải nhỏ hơn {max}.",
    "Must be one of: {choices}.": "Phải là một trong: {choices}.",
}


def _template_pattern(template: str):
    import re

    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
    return re.compile(f"^{regex}$")


_TEMPLATES = [(_template_pattern(en), vi) for en, vi in FIELD_MESSAGES_VI.items() if "{" in en]


def _field_message_vi(message: str) -> str:
    if message in FIELD_MESSAGES_VI:
        return FIELD_MESSAGES_VI[message]
    for pattern, vi in _TEMPLATES:
        match = pattern.match(message)
        if match:
            return vi.format(**match.groupdict())
    return message


def locale() -> str:
    """``en`` when the client asks for English, else Vietnamese; a page may fix its language
    (``g.page_language``: the console is in Vietnamese whatever the browser asks for)."""
    try:
        if g.get("page_language"):
            return g.page_language
        return request.accept_languages.best_match(["vi", "en"], default="vi") or "vi"
    except RuntimeError:  # outside a request (CLI)
        return "vi"


def language_of(accept_language: str | None) -> str:
    """:func:`locale` for a bare ``Accept-Language`` value, where there is no Flask request (gunicorn's errors)."""
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    return parse_accept_header(accept_language or "", LanguageAccept).best_match(["vi", "en"], default="vi") or "vi"


class AppError(Exception):
    """An error with a stable code, raised by services and rendered by the one handler."""

    def __init__(self, error_code: str, *, errors: dict | None = None, headers: dict | None = None,
                 **params):
        spec = CATALOGUE[error_code]
        super().__init__(f"{error_code}: {spec.en.format(**params) if params else spec.en}")
        self.spec = spec
        self.errors = errors or {}
        self.headers = headers or {}
        self.params = params

    @property
    def status(self) -> int:
        return self.spec.status

    def message(self, lang: str) -> str:
        template = self.spec.en if lang == "en" else self.spec.vi
        return template.format(**self.params) if self.params else template


def envelope(error: AppError, lang: str | None = None) -> dict:
    """The error body of CONTRACT.md, in ``lang`` (default: the request's language, else Vietnamese)."""
    lang = lang or locale()
    return {
        "code": error.status,
        "status": HTTPStatus(error.status).phrase,
        "error_code": error.spec.code,
        "message": error.message(lang),
        "errors": translate_field_errors(error.errors, lang),
    }


def translate_field_errors(errors, lang: str):
    """Field messages in the caller's language: marshmallow's (English) in Vietnamese unless English
    was asked for, and the services' :class:`FieldMessage` in either."""
    if isinstance(errors, dict):
        return {key: translate_field_errors(value, lang) for key, value in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [translate_field_errors(value, lang) for value in errors]
    if isinstance(errors, FieldMessage):
        return errors.en if lang == "en" else errors.vi
    if isinstance(errors, str) and lang != "en":
        return _field_message_vi(errors)
    return errors


def catalogue_markdown() -> str:
    """``mobile_contract/errors.md``, generated."""
    lines = [
        "# Error codes",
        "",
        "Generated from `fieldapp/errors.py` by `fieldapp contract write`; a test fails when it drifts.",
        "Every error body has the shape `{code, status, error_code, message, errors}`; `message` is",
        "Vietnamese unless the request says `Accept-Language: en`. Switch on `error_code`, never on",
        "`message`. `errors` maps field names to lists of messages (nested for nested fields).",
        "",
        "| error_code | HTTP | message (vi) | message (en) |",
        "|---|---|---|---|",
    ]
    for spec in sorted(_SPECS, key=lambda s: s.code):
        lines.append(f"| `{spec.code}` | {spec.status} | {spec.vi} | {spec.en} |")
    return "\n".join(lines) + "\n"


_HTTP_CODES = {
    400: "request.bad_request",
    401: "auth.required",
    403: "auth.forbidden",
    404: "http.not_found",
    405: "http.method_not_allowed",
    406: "http.not_acceptable",
    413: "request.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
    429: "request.rate_limited",
    503: "server.unavailable",
}


def from_http_exception(error: HTTPException) -> AppError:
    """Map Werkzeug's, webargs' and flask-limiter's exceptions onto catalogue codes."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    if error.code == 400 and messages.get("json") == ["Invalid JSON body."]:
        return AppError("request.malformed_json", errors=messages)
    if error.code == 422:
        # webargs nests messages under the location ("json", "query"); keep the field names only.
        flat = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                flat.update(location_messages)
        return AppError("request.invalid", errors=flat or messages)
    code = _HTTP_CODES.get(error.code or 500, "server.error")
    headers = dict(error.get_headers()) if error.code in (405, 429) else {}
    headers.pop("Content-Type", None)
    return AppError(code, errors=messages if isinstance(messages, dict) else {}, headers=headers)
