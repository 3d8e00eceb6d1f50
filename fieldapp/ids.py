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

