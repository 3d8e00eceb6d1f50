"""Bearer tokens and console sessions, stored only as hashes."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldapp.clock import utcnow
from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime


class TokenKind(str, enum.Enum):
    """What a token opens: the JSON API (a bearer token) or the commune console (a browser session)."""

    api = "api"
    console = "console"


class AuthToken(db.Model):
    """A bearer token, or a console session; only its SHA-256 is stored, so a database leak yields
    no usable token. A console session's id is never accepted as a bearer token, nor the reverse."""

    __tablename__ = "auth_tokens"

    #: Named in the log entries of its issue and revocation (``token_id``); never the token itself.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The account it signs in as; it dies with the account (disabling revokes it, and a disabled account's
    #: token is refused anyway).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: hex SHA-256 of the token.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``api`` (a bearer token) or ``console`` (a browser's session); neither is accepted as the other.
    kind: Mapped[TokenKind] = mapped_column(Enum(TokenKind, native_enum=False, length=8), default=TokenKind.api,
                                            server_default=TokenKind.api.value)
    #: When it was issued (signing in).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Issue time plus ``TOKEN_TTL_SECONDS`` (a bearer token) or ``SESSION_LIFETIME_SECONDS`` (a console
    #: session); refused from then on.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the holder signs out or reports the phone lost.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined")
