"""The quarterly report of a commune (báo cáo quý) and its lifecycle: drafted, submitted, approved.

Why a lifecycle (anchor: DHIS2 data approval): the plans want the commune's report "trước ngày 10 tháng
cuối mỗi Quý" (seeds 002, 003), read and compared by the province, and results made public and ranked; a
figure the province approved must not move afterwards. So the commune submits its report, which freezes
its figures (a JSON snapshot, with the activity-log checkpoint they were computed against); the province
approves it, which locks it, or returns it with a reason, and it is a draft again. Evidence recorded
later for days of a frozen quarter is kept and shown beside the frozen figures as late, never folded
into them (fieldapp/selectors/reports.py).

A commune with no row for a quarter has a draft report: rows are made by the first submission. Once
approved, a row is never changed again: triggers on both databases refuse it (migration
``quarterly_reports``), and the snapshot's SHA-256 is in the commune's append-only activity log.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class ReportStatus(str, enum.Enum):
    #: Dự thảo: not submitted yet, or returned by the province; its figures are computed when read.
    draft = "draft"
    #: Đã nộp: submitted by the commune, its figures frozen, waiting for the province.
    submitted = "submitted"
    #: Đã phê duyệt: approved by the province; locked for good.
    approved = "approved"


#: Vietnamese names of the statuses, as the report prints them.
REPORT_STATUS_VI = {ReportStatus.draft: "Dự thảo (chưa nộp)", ReportStatus.submitted: "Đã nộp, chờ tỉnh phê duyệt",
                    ReportStatus.approved: "Đã phê duyệt (số liệu đã khoá)"}


class QuarterlyReport(db.Model):
    """A commune's report of one reporting quarter (fieldapp/periods.py ``report_quarter``), once submitted."""

    __tablename__ = "quarterly_reports"

    #: The commune reporting (its officers submit; its province's officers approve or return).
    commune_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    #: The year of the reporting quarter (``2026`` of ``2026-Q3``).
    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    #: The quarter, 1 to 4: its days run from the 10th of the previous quarter's last month to the 9th of
    #: this quarter's last month (the report is due before the 10th: seeds 002, 003).
    quarter: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    #: ``draft``, ``submitted`` or ``approved`` (:class:`ReportStatus`).
    status: Mapped[ReportStatus] = mapped_column(Enum(ReportStatus, native_enum=False, length=16))
    #: The figures frozen at the last submission, canonical JSON (fieldapp/selectors/reports.py
    #: ``report_contents``): ids and counts only, never a name, so an erasure reaches the report too. Kept
    #: when a report is returned, until it is submitted again.
    snapshot: Mapped[str | None] = mapped_column(Text)
    #: SHA-256 (hex) of ``snapshot``, as the submission's and the approval's activity-log entries hold it.
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    #: The signed checkpoint of the commune's activity log the frozen figures were computed against.
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("activity_checkpoints.id"))
    #: Who submitted it last (a commune officer of the commune).
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was submitted last.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who approved it (an officer of its province, or an admin).
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was approved: from then on it is locked.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who returned it last; cleared when it is submitted again.
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: When it was returned last; cleared when it is submitted again.
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the province returned it, in its words; cleared when it is submitted again.
    return_reason: Mapped[str | None] = mapped_column(String(500))

    @property
    def label(self) -> str:
        """The quarter as the report names it: ``2026-Q3``."""
        return f"{self.year:04d}-Q{self.quarter}"

    @property
    def object_id(self) -> str:
        """How the activity log names the report: ``17395:2026-Q3``."""
        return f"{self.commune_code}:{self.label}"
