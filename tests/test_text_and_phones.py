"""Vietnamese conventions: folding for search, NFC for storage, phones in E.164."""
import pytest

from fieldapp.phones import InvalidPhone, mask_phone, normalize_phone
from fieldapp.text import fold, nfc


@pytest.mark.parametrize("name", ["Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "NGUYỄN THỊ HÒA", "Nguyen  Thi Hoa"])
def test_fold_makes_spellings_meet(name):
    assert fold(name) == "nguyen thi hoa"


def test_fold_turns_d_with_stroke_into_d():
    assert fold("Đặng Đình Đức") == "dang dinh duc"


def test_nfc_composes_and_trims():
    assert nfc("  Hoa\u0300  ") == "Hoà"


@pytest.mark.parametrize("raw", ["0912345678", "+84912345678", "84912345678", "091 234 5678", "0912-345-678"])
def test_phone_forms_normalise_to_e164(raw):
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["", "12345", "091234567890", "+14155552671", "abc"])
def test_not_a_vietnamese_phone(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_mask_phone_hides_the_middle():
    assert mask_phone("+84912345678") == "+84912***678"
