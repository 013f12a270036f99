"""Trusted timestamps (RFC 3161): a timestamp authority's signed word that a hash existed at a moment.

The request and the reply are built and read with asn1crypto; the signature
and the certificate chain are checked by ``openssl ts -verify`` against the
authority's certificates (``TSA_CA_FILE``), the reference implementation,
rather than by cryptography of our own. A reply is taken only when it is
granted, signed by a certificate that chain vouches for, for the very hash
asked about and with the nonce the request carried: a lying or replaying
authority is refused, and the item stays as it was.
"""

from __future__ import annotations

import secrets
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import cms, tsp

# A reply is a few kilobytes; an authority that sends more is not answering the question.
MAX_REPLY = 1024 * 1024
OPENSSL_TIMEOUT = 30


class TimestampError(Exception):
    """No usable token: the message says why, for a person."""


@dataclass(frozen=True)
class Token:
    """A timestamp token (a CMS SignedData, DER) and what it says."""

    der: bytes
    digest: str
    stamped_at: datetime
    serial: str
    policy: str
    authority: str


def tsa_query(digest: bytes, nonce: int) -> bytes:
    """A TimeStampReq for a SHA-256 digest, asking for the signer's certificate to be included."""
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()


def tsa_stamp(url: str, digest_hex: str, *, certificates: str, timeout: int) -> Token:
    """Ask the authority at ``url`` to stamp a SHA-256 digest; the token only when it checks out under
    ``certificates`` (PEM text)."""
    digest = bytes.fromhex(digest_hex)
    nonce = secrets.randbits(63)
    request = urllib.request.Request(  # noqa: S310 - the address is the operator's TSA_URL, checked to be http(s).
        url,
        data=tsa_query(digest, nonce),
        headers={"Content-Type": "application/timestamp-query", "Accept": "application/timestamp-reply"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above.
            reply = response.read(MAX_REPLY + 1)
    except urllib.error.HTTPError as error:
        raise TimestampError(f"the timestamp authority at {url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise TimestampError(f"the timestamp authority at {url} could not be reached: {reason}") from None
    if len(reply) > MAX_REPLY:
        raise TimestampError(f"the timestamp authority at {url} sent more than {MAX_REPLY} bytes")
    token = token_from_reply(reply, digest_hex, nonce)
    problem = token_verify(token.der, digest_hex, certificates)
    if problem:
        raise TimestampError(f"the token from {url} does not check out: {problem}")
    return token


def token_from_reply(reply: bytes, digest_hex: str, nonce: int | None) -> Token:
    """The token of a TimeStampResp, refused unless granted, for ``digest_hex`` and with our nonce."""
    try:
        response = tsp.TimeStampResp.load(reply)
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            told = response["status"]["status_string"].native or []
            raise TimestampError(f"the timestamp authority refused: {status} {' '.join(told)}".strip())
        token = response["time_stamp_token"]
        if token.native is None:
            raise TimestampError("the timestamp authority's reply holds no token")
        found = token_read(token.dump())
    except (ValueError, TypeError, KeyError) as error:
        raise TimestampError(f"the reply is not a timestamp reply: {error}") from None
    if found.digest != digest_hex:
        raise TimestampError(f"the token is for another hash ({found.digest}), not {digest_hex}")
    info = _info(token)
    if nonce is not None and info["nonce"].native != nonce:
        raise TimestampError("the token does not carry the request's nonce (an old reply sent again?)")
    return found


def token_read(der: bytes) -> Token:
    """What a stored token says: the hash, the moment, the serial number, the policy and who signed."""
    token = cms.ContentInfo.load(der)
    info = _info(token)
    imprint = info["message_imprint"]
    if imprint["hash_algorithm"]["algorithm"].native != "sha256":
        raise ValueError(f"the token's hash is {imprint['hash_algorithm']['algorithm'].native}, not SHA-256")
    authority = info["tsa"].native if info["tsa"].native else ""
    if isinstance(authority, dict):
        authority = ", ".join(f"{value}" for value in authority.values() if isinstance(value, str))
    return Token(
        der=der,
        digest=imprint["hashed_message"].native.hex(),
        stamped_at=info["gen_time"].native,
        serial=str(info["serial_number"].native),
        policy=info["policy"].dotted,
        authority=str(authority),
    )


def _info(token: cms.ContentInfo) -> tsp.TSTInfo:
    if token["content_type"].native != "signed_data":
        raise ValueError("the token is not signed data")
    content = token["content"]["encap_content_info"]
    if content["content_type"].native != "tst_info":
        raise ValueError("the token's content is not a TSTInfo")
    return content["content"].parsed


def token_verify(der: bytes, digest_hex: str, certificates: str) -> str:
    """Why the token does not prove ``digest_hex`` under these certificates (PEM text), or "" when it does.

    ``openssl ts -verify`` checks the signature, the signer's certificate
    chain up to the given certificates, its time-stamping key usage, and that
    the token is for this digest. Nothing is fetched: it works offline.
    """
    if "-----BEGIN CERTIFICATE-----" not in certificates:
        return "no certificate to check it against"
    # The chain is checked as it stood when the token was made: a certificate that expired since
    # does not undo what it signed while it was valid.
    try:
        made = int(token_read(der).stamped_at.timestamp())
    except ValueError as error:
        return f"the token cannot be read: {error}"
    with tempfile.TemporaryDirectory(prefix="tsa-") as folder:
        token, ca = Path(folder) / "token.der", Path(folder) / "ca.pem"
        token.write_bytes(der)
        ca.write_text(certificates)
        command = ["openssl", "ts", "-verify", "-token_in", "-in", str(token), "-digest", digest_hex,
                   "-CAfile", str(ca), "-attime", str(made)]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=OPENSSL_TIMEOUT, check=False)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"openssl could not check it: {error}"
    if done.returncode == 0 and "Verification: OK" in done.stdout:
        return ""
    lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    reasons = [line.split(":", 5)[-1] for line in lines if "error" in line.lower()] or lines[-1:]
    return "; ".join(dict.fromkeys(reason.strip() for reason in reasons)) or "openssl refused it"
