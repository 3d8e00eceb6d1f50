"""Reading the cells of a household list: text, flags, years, sexes, phones, coordinates."""
from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime

from fieldapp.clock import utcnow
from fieldapp.models.persons import Sex
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.services.imports.report import CellError
from fieldapp.text import fold, nfc

_TRUE = frozenset({"x", "co", "1", "true", "yes"})
_FALSE = frozenset({"", "khong", "0", "false", "no"})
_SEX = {"nam": Sex.male, "nu": Sex.female, "khac": Sex.other}
_YEAR = re.compile(r"(\d{4})(?:[.,]0+)?")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps every number as a float: 12.0 is the key "12"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


@functools.lru_cache(maxsize=1024)
def _word(value: str) -> str:
    """``fold`` for the few words a column of flags or sexes holds, computed once each."""
    return fold(value)


def flag(value) -> bool | None:
    """``None`` when blank (on a household column: same as the household's other rows)."""
    if value is None:
        return None
    word = _word(text(value))
    if not word:
        return None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError("import.flag_invalid", value=text(value))


def year(value) -> int | None:
    last = utcnow().year
    if isinstance(value, (datetime, date)):
        found = value.year
    else:
        written = text(value)
        if not written:
            return None
        match = _YEAR.fullmatch(written)
        if match is None:
            raise CellError("import.birth_year_unreadable", value=written)
        found = int(match.group(1))
    if not 1900 <= found <= last:
        raise CellError("import.birth_year_out_of_range", value=found, last=last)
    return found


def sex(value) -> Sex | None:
    if value is None:
        return None
    word = _word(text(value))
    if not word:
        return None
    if word not in _SEX:
        raise CellError("import.sex_invalid", value=text(value))
    return _SEX[word]


def phone(value) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    written = str(value) if isinstance(value, int) and not isinstance(value, bool) else text(value)
    if not written:
        return None
    digits = _PHONE_SEPARATORS.sub("", written)
    if len(digits) == 9 and digits.isdigit():
        digits = "0" + digits  # read as a number, the leading 0 was lost
    try:
        return normalize_phone(digits)
    except InvalidPhone:
        raise CellError("import.phone_invalid", value=written) from None


def coordinate(value, label) -> float | None:
    """A latitude or longitude (``label`` names it in the message)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        written = text(value)
        if not written:
            return None
        if "," in written and "." not in written:
            written = written.replace(",", ".")  # decimal comma
        try:
            number = float(written)
        except ValueError:
            raise CellError("import.coordinate_invalid", label=label, value=written) from None
    if not math.isfinite(number):
        raise CellError("import.coordinate_invalid", label=label, value=text(value))
    return round(number, 7)
