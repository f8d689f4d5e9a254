"""Password policy (ASVS 2.1): at least 12 characters, not a common password, not easy to guess.

The common passwords are the 30,000 of zxcvbn's frequency list (a well-kept package, no download at
run time), and zxcvbn's estimate must reach "safely unguessable" (score 3) once the account's own
e-mail, name and the department's words are counted as known to an attacker. Pure: no Flask, no DB.
"""

from __future__ import annotations

from functools import lru_cache

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_SCORE = 3
# Words anyone guessing a password of this desk would try first.
SITE_WORDS = ("sokhcn", "khcn", "phananh", "kiennghi", "matkhau", "doanhnghiep", "sokhoahoc", "congnghe")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, known: tuple[str, ...] = ()) -> str | None:
    """Why `password` is refused ("short", "long", "common", "weak"), or None when it is acceptable.

    `known` are words an attacker knows about the account (its e-mail, its name).
    """
    password = password or ""
    if len(password) < MIN_LENGTH:
        return "short"
    if len(password) > MAX_LENGTH:
        return "long"
    if password.lower() in common_passwords():
        return "common"
    from zxcvbn import zxcvbn

    words = [w for part in known for w in str(part or "").lower().replace("@", " ").replace(".", " ").split() if w]
    # zxcvbn's cost grows with the length; what a long password has beyond 64 characters only helps.
    if zxcvbn(password[:64], user_inputs=[*SITE_WORDS, *words])["score"] < MIN_SCORE:
        return "weak"
    return None
