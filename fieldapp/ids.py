"""Public ids: short, random, unambiguous when read aloud or printed on a plate.

Database ids are never shown outside (they leak counts and invite guessing); each object the field
sees (a household plate, a person card) carries a public id instead.
"""
import secrets

#: Crockford's base32: no I, L, O or U, so nothing is misread on a printed label.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_public_id(prefix: str, length: int = 10) -> str:
    """``prefix`` + ``length`` random characters (50 bits for 10): ``H7K2M9Q4TZX``."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


#: What a public id can look like (a prefix letter and the alphabet above; upper case, at most 16).
PUBLIC_ID_PATTERN = r"^[0-9A-Z]{1,16}$"


def public_id_converter():
    """The ``<public_id:…>`` URL converter: a path segment that can be a public id, and nothing else,
    so that ``/households/import`` is not also ``/households/{household_id}`` (GET and PATCH of it
    found "no household" instead of "method not allowed")."""
    from werkzeug.routing import BaseConverter

    class PublicIdConverter(BaseConverter):
        regex = PUBLIC_ID_PATTERN[1:-1]

    return PublicIdConverter

