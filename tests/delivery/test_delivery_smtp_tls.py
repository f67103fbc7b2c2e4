"""SMTP with STARTTLS and implicit TLS plus login, against aiosmtpd holding a certificate the client must verify."""

import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from database import db
from delivery import worker
from delivery.models import DeliveryAttempt, OutboxMessage
from tests.delivery.delivery_peers import free_port

PASSWORD = "smtp-password-never-stored"


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 and the server-side TLS context holding it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return cert_file, context


class Inbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.envelopes.append((session.authenticated, envelope))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"desk" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_out_over_verified_tls_with_login(security, app_config, certificate, request):
    cert_file, server_tls = certificate
    inbox, port = Inbox(), free_port()
    if security == "starttls":
        options = {"tls_context": server_tls, "require_starttls": True}
    else:
        # aiosmtpd does not count implicit TLS as TLS for AUTH; the whole connection is encrypted regardless.
        options = {"ssl_context": server_tls, "auth_require_tls": False}
    options.setdefault("auth_require_tls", True)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, **options)
    controller.start()
    app_config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY=security, SMTP_USER="desk",
                      SMTP_PASSWORD=PASSWORD, SMTP_CA_FILE=str(cert_file), MAIL_FROM="desk@desk.test",
                      SMTP_TIMEOUT=2.0)
    try:
        request.getfixturevalue("file_ticket")()  # the app is built now, with the settings above
        app = request.getfixturevalue("ctx")
        worker.run(worker="tls", once=True)
        (authenticated, envelope), = inbox.envelopes
        assert authenticated and envelope.rcpt_tos == ["user@client.test"]

        # A wrong password: refused, left for a later try, and the password is in no stored error.
        app.config["SMTP_PASSWORD"] = "wrong-" + PASSWORD
        request.getfixturevalue("file_ticket")()
        worker.run(worker="tls", once=True)
        failed = db.session.execute(select(OutboxMessage).where(OutboxMessage.state != "sent")).scalar_one()
        # smtplib falls back from PLAIN to LOGIN after the 535, and aiosmtpd answers LOGIN slowly: either way a failure.
        assert failed.state == "pending" and failed.last_error.startswith("SMTP")
        errors = " ".join(a.error or "" for a in db.session.execute(select(DeliveryAttempt)).scalars())
        assert PASSWORD not in errors and len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_an_unverifiable_certificate_is_refused(app_config, certificate, request):
    _, server_tls = certificate
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_tls, require_starttls=True)
    controller.start()
    app_config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="starttls", MAIL_FROM="desk@desk.test",
                      SMTP_TIMEOUT=2.0)
    try:
        request.getfixturevalue("file_ticket")()  # SMTP_CA_FILE unset: the self-signed certificate is not trusted
        worker.run(worker="tls", once=True)
        assert inbox.envelopes == []
        message = db.session.execute(select(OutboxMessage)).scalar_one()
        assert message.state == "pending" and "CERTIFICATE_VERIFY_FAILED" in message.last_error
    finally:
        controller.stop()
