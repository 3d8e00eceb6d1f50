"""The console's import in one upload: a list that checks clean is kept, then imported from what was kept.

Why: an officer who had to choose the same file again after the dry run could choose another one (an
older copy, the file before the fix) and import what nobody checked. Now "Nhập" imports exactly the
bytes the dry run read.

The rules:

- **Only a clean dry run keeps the file** (:func:`households_check_and_keep`): a list with errors is
  fixed in Excel and uploaded again anyway. Kept for ``IMPORT_KEEP_SECONDS`` (30 minutes), under a
  random token that only the officer's page holds (its SHA-256 is stored, not the token). A new check
  by the same officer replaces their earlier list not yet imported, and expired lists are deleted:
  people's data is not kept longer than needed, and one officer holds at most one file.
- **Bound to who checked it** (:func:`kept_import_run`): another account, the same account after its
  role moved to another area, or an area that no longer covers the commune finds nothing (404, as a
  made-up token); row-level security keeps each commune's lists to its area.
- **The bytes are checked again**: their SHA-256 must be the one the dry run computed and the page
  showed, or nothing is imported (409).
- **Once**: the list is claimed (``imported_at``) by a conditional UPDATE in the import's own
  transaction. A second click, or a request retried after a lost answer, finds it claimed and is
  answered with the first import's counts; two at once are serialised by the row's lock, and the
  second finds it claimed. If the import fails, its rollback undoes the claim with it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from fieldapp.auth.callers import Caller
from fieldapp.clock import utcnow
from fieldapp.errors import AppError
from fieldapp.extensions import db
from fieldapp.models.imports import KeptImport
from fieldapp.services.activity import activity_record
from fieldapp.services.imports import ImportReport, households_import
from fieldapp.services.imports.reading import file_bytes


@dataclass(frozen=True)
class Kept:
    """A list kept after a clean dry run: the token for the officer's page, and the kept row."""

    token: str
    kept: KeptImport


@dataclass(frozen=True)
class KeptRun:
    """What :func:`kept_import_run` did: the import's report (``None`` when ``replayed``: the list had
    already been imported, and nothing was done again) and the kept row."""

    report: ImportReport | None
    kept: KeptImport
    replayed: bool


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def households_check_and_keep(*, caller: Caller, commune_code: str, filename: str, stream,
                              allow_duplicates: bool = False) -> tuple[ImportReport, Kept | None]:
    """Dry-run a household list (nothing written to the registry) and, when it has no error, keep it for
    the import: the report, and the kept list (``None`` when the report has errors)."""
    data, digest = file_bytes(stream)
    report = households_import(caller=caller, commune_code=commune_code, filename=filename, stream=data,
                               dry_run=True, allow_duplicates=allow_duplicates)
    if not report.ok:
        return report, None
    now = utcnow()
    db.session.execute(delete(KeptImport).where(KeptImport.expires_at < now))
    db.session.execute(delete(KeptImport).where(KeptImport.user_id == caller.user_id,
                                                KeptImport.imported_at.is_(None)))
    token = secrets.token_urlsafe(32)
    kept = KeptImport(token_sha256=_token_digest(token), user_id=caller.user_id, caller_unit_code=caller.unit_code,
                      commune_code=commune_code, filename=(filename or "upload")[:255], content=data,
                      content_sha256=digest, allow_duplicates=allow_duplicates, households=report.households,
                      persons=report.persons, created_at=now,
                      expires_at=now + timedelta(seconds=current_app.config["IMPORT_KEEP_SECONDS"]))
    db.session.add(kept)
    db.session.flush()
    # Keeping people's data (names, birth years, phones) in the database is a write: logged, like the import.
    activity_record(action="household.import_check", object_type="import", object_id=digest[:16],
                    log_unit=commune_code, caller=caller,
                    body={"households": report.households, "persons": report.persons, "file_sha256": digest,
                          "kept_import_id": kept.id, "expires_at": kept.expires_at.isoformat()})
    return report, Kept(token=token, kept=kept)


def kept_import_get(*, caller: Caller, token: str) -> KeptImport:
    """The list kept under ``token`` for this caller: 404 for any other (unknown, another account's,
    kept while the account's role was held on another area, or out of the area row-level security shows)."""
    kept = db.session.scalar(select(KeptImport).where(KeptImport.token_sha256 == _token_digest(token or "")))
    if kept is None or kept.user_id != caller.user_id or kept.caller_unit_code != caller.unit_code:
        raise AppError("import.kept_not_found")
    return kept


def kept_import_run(*, caller: Caller, token: str, expected_sha256: str | None = None) -> KeptRun:
    """Import the list kept under ``token`` (see the module's rules); flushed, not committed: the caller
    commits once, and a report with errors (the registry changed since the check) must be rolled back."""
    kept = kept_import_get(caller=caller, token=token)
    if kept.imported_at is not None:
        return KeptRun(report=None, kept=kept, replayed=True)
    now = utcnow()
    if kept.expires_at <= now:
        raise AppError("import.kept_expired", minutes=current_app.config["IMPORT_KEEP_SECONDS"] // 60)
    content = bytes(kept.content)
    digest = hashlib.sha256(content).hexdigest()
    if digest != kept.content_sha256 or (expected_sha256 is not None and expected_sha256 != kept.content_sha256):
        raise AppError("import.kept_changed")
    claimed = db.session.execute(
        update(KeptImport).where(KeptImport.id == kept.id, KeptImport.imported_at.is_(None))
        .values(imported_at=now, content=b"").execution_options(synchronize_session=False)).rowcount
    db.session.refresh(kept)
    if claimed != 1:  # another request claimed it first (and committed): answered as its replay
        return KeptRun(report=None, kept=kept, replayed=True)
    report = households_import(caller=caller, commune_code=kept.commune_code, filename=kept.filename,
                               stream=content, dry_run=False, allow_duplicates=kept.allow_duplicates,
                               kept_import_id=kept.id)
    return KeptRun(report=report, kept=kept, replayed=False)
