"""Make the sandbox's X.509 files: a CA, a server certificate and client credentials.

Runs with the server's Python (it has ``cryptography``; the widget's environment need not).
The plan comes as JSON on stdin from ``rucio_widgets/sandbox/tls.py``, which owns the file
names; this script owns the cryptography and the DN strings. It is idempotent: what exists
and is still valid is kept, what is missing or about to expire is made again, and every file
signed by the CA is remade when the CA is. It writes the DN of each account, formatted as
``serve_tls.py`` hands it to Rucio (RFC 4514, the default of Apache's mod_ssl), to the
plan's ``identities`` file.

The proxy is an RFC 3820 proxy certificate as ``voms-proxy-init``/``grid-proxy-init`` make
one (without VOMS attributes): signed by the user's own key, its subject is the user's DN
plus ``CN=<number>``, and the file holds the proxy certificate, its key and the user's
certificate, in that order.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

ORGANISATION = "rucio-widgets sandbox"
#: RFC 3820 proxyCertInfo, and its "inherit all rights" policy language.
PROXY_CERT_INFO = ObjectIdentifier("1.3.6.1.5.5.7.1.14")
_INHERIT_ALL_DER = bytes.fromhex("06082b06010505071501")  # OID 1.3.6.1.5.5.7.21.1

#: Certificates with less left than this are made again.
RENEW_BEFORE = dt.timedelta(days=7)
PROXY_RENEW_BEFORE = dt.timedelta(hours=1)

Key = rsa.RSAPrivateKey


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _name(*pairs: tuple[ObjectIdentifier, str]) -> x509.Name:
    """A Name from its RDNs, most general first (the order they have in the certificate)."""
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in pairs])


def user_name(cn: str) -> x509.Name:
    return _name(
        (NameOID.ORGANIZATION_NAME, ORGANISATION),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "Users"),
        (NameOID.COMMON_NAME, cn),
    )


def dn_string(name: x509.Name) -> str:
    """The DN as mod_ssl's SSL_CLIENT_S_DN has it by default: RFC 4514, last RDN first."""
    return name.rfc4514_string()


def _new_key() -> Key:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` atomically, created with ``mode`` (never briefly world-readable)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def _key_pem(key: Key) -> bytes:
    # The traditional "RSA PRIVATE KEY" form, unencrypted, as grid tools write userkey.pem.
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _load_cert(path: Path) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None


def _load_key(path: Path) -> Key | None:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, rsa.RSAPrivateKey) else None


def _still_valid(cert: x509.Certificate | None, margin: dt.timedelta) -> bool:
    return cert is not None and cert.not_valid_after_utc - margin > _now()


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: Key,
    *,
    not_before: dt.datetime,
    not_after: dt.datetime,
    serial: int | None = None,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(serial if serial is not None else x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def _sign(builder: x509.CertificateBuilder, key: Key) -> x509.Certificate:
    return builder.sign(key, hashes.SHA256())


#: Signing and key exchange, never certificate signing: end-entity certificates and proxies.
_END_ENTITY_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=False,
    key_encipherment=True,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def _end_entity_usage(
    builder: x509.CertificateBuilder, eku: ObjectIdentifier
) -> x509.CertificateBuilder:
    return (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            _END_ENTITY_KEY_USAGE,
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([eku]), critical=False)
    )


class Maker:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.made: list[str] = []

    def run(self) -> None:
        ca_cert, ca_key, ca_new = self.ca()
        self.server(ca_cert, ca_key, force=ca_new)
        identities: dict[str, str] = {}
        renewed_users: set[str] = set()
        for client in self.plan["clients"]:
            if self.client(client, ca_cert, ca_key, force=ca_new):
                renewed_users.add(client["cn"])
            identities[client["cn"]] = dn_string(user_name(client["cn"]))
        for proxy in self.plan["proxies"]:
            self.proxy(proxy, force=proxy["of"] in renewed_users)
        for expired in self.plan["expired"]:
            self.expired(expired, ca_cert, ca_key, force=ca_new)
        _write(
            Path(self.plan["identities"]),
            (json.dumps(identities, indent=2) + "\n").encode(),
            0o644,
        )
        print(f"make_tls: made {', '.join(self.made) if self.made else 'nothing (all valid)'}")

    def ca(self) -> tuple[x509.Certificate, Key, bool]:
        cert_path, key_path = Path(self.plan["ca_cert"]), Path(self.plan["ca_key"])
        cert, key = _load_cert(cert_path), _load_key(key_path)
        if (
            cert is not None
            and key is not None
            and _still_valid(cert, RENEW_BEFORE)
            and cert.public_key() == key.public_key()
        ):
            return cert, key, False
        key = _new_key()
        name = _name(
            (NameOID.ORGANIZATION_NAME, ORGANISATION),
            (NameOID.COMMON_NAME, f"{ORGANISATION} CA"),
        )
        now = _now()
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        builder = (
            _builder(
                name,
                name,
                key,
                not_before=now - dt.timedelta(minutes=5),
                not_after=now + dt.timedelta(days=3650),
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
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
            .add_extension(ski, critical=False)
        )
        cert = _sign(builder, key)
        _write(key_path, _key_pem(key), 0o600)
        _write(cert_path, _cert_pem(cert), 0o644)
        self.made.append("CA")
        return cert, key, True

    def _issue(
        self,
        subject: x509.Name,
        ca_cert: x509.Certificate,
        ca_key: Key,
        *,
        not_before: dt.datetime,
        not_after: dt.datetime,
        eku: ObjectIdentifier,
    ) -> tuple[Key, x509.CertificateBuilder]:
        """A new key and the builder of its certificate, signed by the CA (to be signed)."""
        key = _new_key()
        builder = _end_entity_usage(
            _builder(subject, ca_cert.subject, key, not_before=not_before, not_after=not_after),
            eku,
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        return key, builder

    def server(self, ca_cert: x509.Certificate, ca_key: Key, *, force: bool) -> None:
        spec = self.plan["server"]
        cert_path, key_path = Path(spec["cert"]), Path(spec["key"])
        if not force and _still_valid(_load_cert(cert_path), RENEW_BEFORE) and key_path.exists():
            return
        import ipaddress

        now = _now()
        subject = _name(
            (NameOID.ORGANIZATION_NAME, ORGANISATION), (NameOID.COMMON_NAME, "localhost")
        )
        key, builder = self._issue(
            subject,
            ca_cert,
            ca_key,
            not_before=now - dt.timedelta(minutes=5),
            not_after=now + dt.timedelta(days=365),
            eku=ExtendedKeyUsageOID.SERVER_AUTH,
        )
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in spec["dns"]]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec["ips"]]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = _sign(builder, ca_key)
        _write(key_path, _key_pem(key), 0o600)
        _write(cert_path, _cert_pem(cert), 0o644)
        self.made.append("server certificate")

    def client(
        self, spec: dict[str, Any], ca_cert: x509.Certificate, ca_key: Key, *, force: bool
    ) -> bool:
        cert_path, key_path = Path(spec["cert"]), Path(spec["key"])
        cert = _load_cert(cert_path)
        if (
            not force
            and _still_valid(cert, RENEW_BEFORE)
            and cert is not None
            and cert.subject == user_name(spec["cn"])
            and key_path.exists()
        ):
            return False
        now = _now()
        key, builder = self._issue(
            user_name(spec["cn"]),
            ca_cert,
            ca_key,
            not_before=now - dt.timedelta(minutes=5),
            not_after=now + dt.timedelta(days=365),
            eku=ExtendedKeyUsageOID.CLIENT_AUTH,
        )
        _write(key_path, _key_pem(key), 0o600)
        _write(cert_path, _cert_pem(_sign(builder, ca_key)), 0o644)
        self.made.append(f"{spec['cn']}'s certificate")
        return True

    def proxy(self, spec: dict[str, Any], *, force: bool) -> None:
        path = Path(spec["file"])
        if not force and _still_valid(_load_cert(path), PROXY_RENEW_BEFORE) and _load_key(path):
            return
        user_cert = _load_cert(Path(spec["user_cert"]))
        user_key = _load_key(Path(spec["user_key"]))
        if user_cert is None or user_key is None:
            raise SystemExit(f"make_tls: no certificate and key for {spec['of']}'s proxy")
        number = secrets.randbelow(2**31 - 1) + 1
        subject = x509.Name(
            [*user_cert.subject, x509.NameAttribute(NameOID.COMMON_NAME, str(number))]
        )
        key = _new_key()
        now = _now()
        not_after = min(now + dt.timedelta(hours=spec["hours"]), user_cert.not_valid_after_utc)
        # ProxyCertInfo ::= SEQUENCE { proxyPolicy SEQUENCE { policyLanguage OID } }
        proxy_info = bytes([0x30, 0x0C, 0x30, 0x0A]) + _INHERIT_ALL_DER
        builder = (
            _builder(
                subject,
                user_cert.subject,
                key,
                not_before=now - dt.timedelta(minutes=5),
                not_after=not_after,
                serial=number,
            )
            .add_extension(
                _END_ENTITY_KEY_USAGE,
                critical=True,
            )
            .add_extension(x509.UnrecognizedExtension(PROXY_CERT_INFO, proxy_info), critical=True)
        )
        cert = _sign(builder, user_key)
        _write(path, _cert_pem(cert) + _key_pem(key) + _cert_pem(user_cert), 0o600)
        self.made.append(f"{spec['of']}'s proxy")

    def expired(
        self, spec: dict[str, Any], ca_cert: x509.Certificate, ca_key: Key, *, force: bool
    ) -> None:
        cert_path, key_path = Path(spec["cert"]), Path(spec["key"])
        if not force and _load_cert(cert_path) is not None and key_path.exists():
            return
        now = _now()
        key, builder = self._issue(
            user_name(spec["cn"]),
            ca_cert,
            ca_key,
            not_before=now - dt.timedelta(days=30),
            not_after=now - dt.timedelta(days=1),
            eku=ExtendedKeyUsageOID.CLIENT_AUTH,
        )
        _write(key_path, _key_pem(key), 0o600)
        _write(cert_path, _cert_pem(_sign(builder, ca_key)), 0o644)
        self.made.append(f"{spec['cn']}'s expired certificate")


def main() -> int:
    plan = json.load(sys.stdin)
    folder = Path(plan["folder"])
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    Maker(plan).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
