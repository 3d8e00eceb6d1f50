"""Vietnamese text: names stored in NFC, searched folded."""
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def nfc(text: str) -> str:
    """Normalised form for storage: NFC, single spaces, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Search form: no diacritics, đ→d, lower case, single spaces.

    Why: people type without diacritics on cheap phones, and the same name is written with the
    tone mark in two places ("Hoà" and "Hòa"); both fold to "hoa" (PRODUCT.md conventions).
    """
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", stripped).strip().lower()
