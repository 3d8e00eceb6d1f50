"""The import's report: every problem of a file or a row, with a stable code of the error catalogue.

A problem is ``{"line", "column", "code", "reason"}``: the line the officer sees in Excel (the header is
line 1; ``None`` for the file as a whole), the column's header as the file wrote it, the code
(``import.*`` in mobile_contract/errors.md, or a ``location.*`` code for a point outside the
commune), and the message in the caller's language: what the console and the phone show.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from fieldapp.errors import CATALOGUE, FieldMessage, locale

#: The report lists at most this many errors, then says how many more there are.
MAX_ERRORS = 1000


def problem(line: int | None, column: str | None, code: str, /, **params) -> dict:
    """One entry of the report; ``params`` fill the code's message (a :class:`FieldMessage` in the
    caller's language)."""
    lang = locale()
    spec = CATALOGUE[code]
    values = {name: (value.en if lang == "en" else value.vi) if isinstance(value, FieldMessage) else value
              for name, value in params.items()}
    template = spec.en if lang == "en" else spec.vi
    return {"line": line, "column": column, "code": code, "reason": template.format(**values) if values else template}


class Unreadable(Exception):
    """The file as a whole cannot be read: its code and the message's parameters."""

    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def problem(self) -> dict:
        return problem(None, None, self.code, **self.params)


class CellError(Exception):
    """A cell that cannot be read: the code and parameters of the reason shown to the officer."""

    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class ImportReport:
    ok: bool
    dry_run: bool
    #: Households and people in the file (written when ``ok`` and not ``dry_run``).
    households: int
    persons: int
    #: :func:`problem` entries in line order; at most MAX_ERRORS + 1.
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def capped(errors: list[dict]) -> list[dict]:
    errors.sort(key=lambda error: (error["line"] is not None, error["line"] or 0))
    if len(errors) <= MAX_ERRORS:
        return errors
    return errors[:MAX_ERRORS] + [problem(None, None, "import.more_errors", count=len(errors) - MAX_ERRORS)]
