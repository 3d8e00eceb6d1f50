"""Vietnamese phone numbers: accepted as 0xxxxxxxxx or +84xxxxxxxxx, stored E.164."""
import phonenumbers


class InvalidPhone(ValueError):
    """Not a Vietnamese phone number."""


def normalize_phone(raw: str) -> str:
    """E.164 form of a Vietnamese number, e.g. ``0912 345 678`` → ``+84912345678``."""
    try:
        parsed = phonenumbers.parse(str(raw), "VN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(raw)) from exc
    if parsed.country_code != 84 or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(str(raw))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """For people who need to know a phone exists but not what it is: ``+84912***678``."""
    return e164[:6] + "***" + e164[-3:] if len(e164) > 9 else "***"
