"""argon2id hashing and the password policy."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 128
# zxcvbn refuses longer input (ValueError); a passphrase's first 72 characters judge it well.
ZXCVBN_MAX_LENGTH = 72
_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, user_inputs: list[str]) -> str | None:
    """Why `password` is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    if password.lower() in _common_passwords():
        return "This password is on a list of commonly used passwords."
    if zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=user_inputs)["score"] < 2:
        return "This password is too easy to guess; add words or mix characters."
    return None


async def hash_password(password: str) -> str:
    # argon2 is deliberately slow: keep it off the event loop.
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def _verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(_verify)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """Verified when the e-mail is unknown, so a miss costs as much as a wrong password."""
    return _hasher.hash("firstset-timing-equaliser")
