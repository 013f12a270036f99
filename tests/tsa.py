"""A timestamp authority of the tests' own on 127.0.0.1: ``openssl ts -reply`` behind a small HTTP handler.

It makes its own certificate authority and a time-stamping certificate under
it, in a temporary folder. ``mode`` makes it misbehave as real authorities
can: stamp another hash than the one asked about, sign with a certificate
nobody vouches for, or answer with something that is not a reply.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG = """
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/{signer}.crt
certs = $dir/{signer}.crt
signer_key = $dir/{signer}.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

EXTENSIONS = "extendedKeyUsage = critical,timeStamping\nkeyUsage = critical,digitalSignature\n"


def _openssl(*args: str, cwd: Path) -> bytes:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, check=True, timeout=60).stdout


class LocalTSA:
    """Start with ``with LocalTSA() as tsa:``; ``tsa.url`` and ``tsa.ca_file`` are what the settings need."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="test-tsa-"))
        self.mode = "honest"
        self.requests = 0
        root = self.root
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days",
                 "30", "-subj", "/CN=Test Timestamp Root", cwd=root)  # fmt: skip
        (root / "tsa.ext").write_text(EXTENSIONS)
        for name, issuer in (("tsa", "ca"), ("rogue", "")):
            _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                     "-subj", f"/CN=Test {name} authority", cwd=root)  # fmt: skip
            signing = ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"] if issuer else ["-key", f"{name}.key"]
            _openssl("x509", "-req", "-in", f"{name}.csr", *signing, "-out", f"{name}.crt", "-days", "30",
                     "-extfile", "tsa.ext", cwd=root)  # fmt: skip
        (root / "serial").write_text("01\n")
        for signer in ("tsa", "rogue"):
            (root / f"{signer}.cnf").write_text(CONFIG.format(dir=root, signer=signer))
        self.ca_file = str(root / "ca.crt")
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/tsa"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> LocalTSA:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self.root, ignore_errors=True)

    def reply(self, query: bytes) -> bytes:
        """What the authority answers to a query, as its mode has it."""
        if self.mode == "garbage":
            return b"this is not a timestamp reply"
        with self._lock, tempfile.TemporaryDirectory(dir=self.root) as work:
            folder = Path(work)
            (folder / "query.tsq").write_bytes(query)
            if self.mode == "other_hash":
                _openssl("ts", "-query", "-digest", "ab" * 32, "-sha256", "-cert", "-out", "query.tsq", cwd=folder)
            signer = "rogue" if self.mode == "rogue" else "tsa"
            _openssl("ts", "-reply", "-config", str(self.root / f"{signer}.cnf"), "-queryfile", "query.tsq",
                     "-out", "reply.tsr", cwd=folder)  # fmt: skip
            return (folder / "reply.tsr").read_bytes()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls.
                tsa.requests += 1
                query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                body = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        return Handler
