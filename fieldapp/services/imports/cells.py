"""Reading the cells of a household list: text, flags, years, sexes, phones, coordinates, target groups."""
from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime

from fieldapp.clock import utcnow
from fieldapp.models.persons import TARGET_GROUP_VI, Sex, TargetGroup
from fieldapp.phones import InvalidPhone, normalize_phone
from fieldapp.services.imports.report import CellError
from fieldapp.text import fold, nfc

_TRUE = frozenset({"x", "co", "1", "true", "yes"})
_FALSE = frozenset({"", "khong", "0", "false", "no"})
_SEX = {"nam": Sex.male, "nu": Sex.female, "khac": Sex.other}
_YEAR = re.compile(r"(\d{4})(?:[.,]0+)?")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
#: Between the target groups of one cell (a line break: Alt+Enter in an Excel cell).
_GROUP_SEPARATORS = re.compile(r"[;,\n]")

#: The names a cell may give each target group by, besides its code (``public_staff``): the first is the
#: plans' name (``TARGET_GROUP_VI``), then the short forms lists use. Matched as headers are
#: (:func:`header_key`: without diacritics, case or punctuation), so "Học sinh, sinh viên", "hoc sinh sinh
#: vien" and "HỌC SINH - SINH VIÊN" are one name. "Người lao động" alone names no group: the plans' public
#: staff are "người lao động trong các cơ quan nhà nước" too.
TARGET_GROUP_NAMES: dict[TargetGroup, tuple[str, ...]] = {
    TargetGroup.public_staff: (TARGET_GROUP_VI[TargetGroup.public_staff], "Cán bộ, công chức, viên chức",
                               "CBCCVC", "Cán bộ", "Công chức", "Viên chức",
                               "Người lao động trong các cơ quan nhà nước", "Người lao động trong cơ quan nhà nước"),
    TargetGroup.pupils_students: (TARGET_GROUP_VI[TargetGroup.pupils_students], "Học sinh", "Sinh viên", "HSSV"),
    TargetGroup.enterprise_workers: (TARGET_GROUP_VI[TargetGroup.enterprise_workers],
                                     "Người lao động trong các doanh nghiệp", "Người lao động trong doanh nghiệp",
                                     "Người lao động doanh nghiệp", "Người lao động hợp tác xã",
                                     "Lao động doanh nghiệp"),
    TargetGroup.residents: (TARGET_GROUP_VI[TargetGroup.residents], "Cư dân"),
}


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


def header_key(value: str) -> str:
    """"Thôn / Xóm", "thon_xom", "THÔN-XÓM" → ``thon xom``: how a header, or a name a cell gives (a
    target group, a measure), is matched."""
    return _NON_ALNUM.sub(" ", fold(value)).strip()


_GROUP_KEYS = {header_key(name): group for group, names in TARGET_GROUP_NAMES.items()
               for name in (group.value, *names)}


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


def target_groups(value) -> tuple[TargetGroup, ...]:
    """The groups a cell names, in the order of ``TargetGroup``; none when blank. Several are separated by
    ``;``, ``,`` or a line break; as a name may hold commas itself ("Cán bộ, công chức, viên chức"), the
    longest run of pieces that is a name is taken first."""
    written = value if isinstance(value, str) else text(value)  # split before text() joins the lines
    if not written.strip():
        return ()
    raw = [nfc(piece) for piece in _GROUP_SEPARATORS.split(written)]
    keys = [header_key(piece) for piece in raw]
    found: set[TargetGroup] = set()
    start = 0
    while start < len(keys):
        if not keys[start]:
            start += 1
            continue
        for end in range(len(keys), start, -1):
            group = _GROUP_KEYS.get(" ".join(key for key in keys[start:end] if key))
            if group is not None:
                found.add(group)
                start = end
                break
        else:
            raise CellError("import.target_group_unknown", value=raw[start])
    return tuple(group for group in TargetGroup if group in found)
