"""Certificates and SCRAM credentials of a local SASL_SSL broker (``KAFKA_SECURITY=sasl_ssl``).

    python deploy/kafka/tls.py DIR

writes, once (files already there are kept):

- ``ca.pem``, ``ca.key``: a private certificate authority, ten years;
- ``broker.pem`` (the broker's certificate for ``127.0.0.1`` and ``localhost``, signed by that
  CA) and ``broker.p12``: its key and certificate chain as a PKCS#12 keystore;
- ``credentials.env``: the keystore password, the broker's own SCRAM user (``admin``, for
  inter-broker connections) and the client user (``KAFKA_SASL_USERNAME``, default ``wfa``),
  with passwords from the environment (``KAFKA_SASL_PASSWORD``, ``KAFKA_ADMIN_PASSWORD``)
  or generated. Mode 0600, like the keys.

Clients then connect with ``KAFKA_SECURITY_PROTOCOL=SASL_SSL``, ``KAFKA_SASL_MECHANISM=
SCRAM-SHA-256``, ``KAFKA_SSL_CA_FILE=DIR/ca.pem`` and the client user's name and password.
Needs the ``cryptography`` package (in the project's virtual environment).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID = datetime.timedelta(days=3650)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "WFA platform (local)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_ca(directory: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The CA of ``directory``: read when there, made otherwise."""
    key_file, cert_file = directory / "ca.key", directory / "ca.pem"
    if key_file.exists() and cert_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key, x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("WFA local Kafka CA"))
        .issuer_name(_name("WFA local Kafka CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    _write(
        key_file,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def make_broker_keystore(directory: Path, keystore_password: str) -> None:
    """``broker.pem`` and ``broker.p12`` (key and chain under ``keystore_password``)."""
    if (directory / "broker.p12").exists():
        return
    ca_key, ca_cert = make_ca(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "broker.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(keystore_password.encode())
    )
    _write(
        directory / "broker.p12",
        pkcs12.serialize_key_and_certificates(b"broker", key, cert, [ca_cert], encryption),
    )


def credentials(directory: Path) -> dict[str, str]:
    """The passwords of ``directory`` (``credentials.env``), made the first time."""
    path = directory / "credentials.env"
    if path.exists():
        pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        return {k.strip(): v.strip() for k, v in pairs}
    values = {
        "KAFKA_KEYSTORE_PASSWORD": secrets.token_urlsafe(18),
        "KAFKA_ADMIN_USERNAME": "admin",
        "KAFKA_ADMIN_PASSWORD": os.environ.get("KAFKA_ADMIN_PASSWORD") or secrets.token_urlsafe(18),
        "KAFKA_SASL_USERNAME": os.environ.get("KAFKA_SASL_USERNAME") or "wfa",
        "KAFKA_SASL_PASSWORD": os.environ.get("KAFKA_SASL_PASSWORD") or secrets.token_urlsafe(18),
    }
    for name, value in values.items():
        if not value.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise SystemExit(f"tls.py: {name} may hold letters, digits, '-', '_' and '.' only")
    _write(path, "".join(f"{k}={v}\n" for k, v in values.items()).encode())
    return values


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = Path(argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    values = credentials(directory)
    make_broker_keystore(directory, values["KAFKA_KEYSTORE_PASSWORD"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
