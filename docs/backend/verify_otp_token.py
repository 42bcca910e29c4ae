"""Verify the ``X-Otp-Verification`` token that Cvety Edge sends to the backend after a successful OTP check.

The token is a compact HS256 JWT (RFC 7519) signed with the UTF-8 bytes of the shared secret
``OTP_TOKEN_SECRET`` (the gateway's ``cvety.otp.token-secret``). Its claims: ``iss`` = "cvety-edge",
``sub`` = the verified phone in E.164 form, ``iat``, ``exp`` (5 minutes later), ``jti`` (random UUID) and
``amr`` = ["otp"].

Standard library only (Python 3.7+). The token is a bearer credential valid until ``exp``: if a login must
happen at most once per token, remember each ``jti`` until its ``exp``.

Command line: ``OTP_TOKEN_SECRET=... python3 verify_otp_token.py <token>`` prints the phone and exits 0,
exits 1 for an invalid token, 2 for a usage or configuration error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import os
import re
import sys
import time

ISSUER = "cvety-edge"
LEEWAY_SECONDS = 30
MIN_SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 4096

_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class InvalidOtpToken(Exception):
    """The token is malformed, forged, expired, or not a Cvety Edge OTP verification token."""


def verify_otp_token(token: str, secret: str, now: float | None = None) -> str:
    """Return the verified phone (``sub``) of a Cvety Edge verification token, or raise InvalidOtpToken.

    ``now`` is the current Unix time in seconds (default ``time.time()``); ``exp`` and ``iat`` are checked
    with LEEWAY_SECONDS of clock skew. Raises ValueError if the secret itself is too short.
    """
    key = secret.encode("utf-8")
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"OTP_TOKEN_SECRET must be at least {MIN_SECRET_BYTES} bytes (UTF-8)")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidOtpToken("token is missing or too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidOtpToken("token must have exactly 3 parts")
    header_part, payload_part, signature_part = parts

    header = _json_object(_b64url_decode(header_part), "header")
    alg = header.get("alg")
    # Exactly HS256: "none" and other algorithms are the classic JWT forgeries.
    if not isinstance(alg, str) or alg != "HS256":
        raise InvalidOtpToken("token algorithm must be HS256")
    if header.get("typ", "JWT") != "JWT" or "crit" in header:
        raise InvalidOtpToken("unsupported token header")

    signing_input = f"{header_part}.{payload_part}".encode("ascii")
    expected = hmac.new(key, signing_input, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64url_decode(signature_part)):
        raise InvalidOtpToken("bad token signature")

    claims = _json_object(_b64url_decode(payload_part), "payload")
    if claims.get("iss") != ISSUER:
        raise InvalidOtpToken("wrong token issuer")
    amr = claims.get("amr")
    if not isinstance(amr, list) or "otp" not in amr:
        raise InvalidOtpToken("token does not attest an OTP check")
    current = time.time() if now is None else now
    if current > _numeric_date(claims, "exp") + LEEWAY_SECONDS:
        raise InvalidOtpToken("token has expired")
    if _numeric_date(claims, "iat") > current + LEEWAY_SECONDS:
        raise InvalidOtpToken("token is issued in the future")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not _E164.fullmatch(sub):
        raise InvalidOtpToken("token subject is not an E.164 phone")
    return sub


def _b64url_decode(part: str) -> bytes:
    # Only canonical unpadded base64url: the decoder alone would skip stray characters.
    if not part or not _B64URL_CHARS.issuperset(part) or len(part) % 4 == 1:
        raise InvalidOtpToken("token part is not base64url")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise InvalidOtpToken("token part is not base64url") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
        raise InvalidOtpToken("token part is not canonical base64url")
    return raw


def _json_object(raw: bytes, what: str) -> dict:
    def no_duplicates(pairs):
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise InvalidOtpToken(f"token {what} repeats a member")
        return dict(pairs)

    def no_constants(name):
        raise InvalidOtpToken(f"token {what} holds {name}")

    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError):
        raise InvalidOtpToken(f"token {what} is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidOtpToken(f"token {what} is not a JSON object")
    return value


def _numeric_date(claims: dict, name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidOtpToken(f"token {name} is missing or not a number")
    return value


def _main(argv: list) -> int:
    if len(argv) != 2:
        print("usage: OTP_TOKEN_SECRET=... python3 verify_otp_token.py <token>", file=sys.stderr)
        return 2
    secret = os.environ.get("OTP_TOKEN_SECRET")
    if not secret:
        print("OTP_TOKEN_SECRET is not set", file=sys.stderr)
        return 2
    try:
        phone = verify_otp_token(argv[1], secret)
    except InvalidOtpToken as exc:
        print(f"invalid token: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(phone)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))


# FastAPI usage (needs FastAPI; copy into the backend):
#
#     import os
#     from typing import Optional
#
#     from fastapi import Depends, FastAPI, Header, HTTPException
#     from verify_otp_token import InvalidOtpToken, verify_otp_token
#
#     OTP_TOKEN_SECRET = os.environ["OTP_TOKEN_SECRET"]
#     app = FastAPI()
#
#     def verified_phone(x_otp_verification: Optional[str] = Header(default=None)) -> str:
#         """The phone the edge verified, from the X-Otp-Verification header; 401 otherwise."""
#         if not x_otp_verification:
#             raise HTTPException(status_code=401, detail="OTP verification required")
#         try:
#             return verify_otp_token(x_otp_verification, OTP_TOKEN_SECRET)
#         except InvalidOtpToken:
#             raise HTTPException(status_code=401, detail="OTP verification invalid") from None
#
#     @app.post("/api/auth/verify-otp")
#     async def login(phone: str = Depends(verified_phone)):
#         return {"status": "verified", "phone": phone}
