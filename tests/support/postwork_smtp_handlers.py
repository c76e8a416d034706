"""aiosmtpd handlers for postwork's SMTP tests.

Run as a real SMTP server with
    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c postwork_smtp_handlers.ScriptedMailbox MAILDIR
(this directory on PYTHONPATH). Used by tests/support/smtp_sink.cpp.

The per-recipient Maildir delivery (for an IMAP server) is a product file:
share/aiosmtpd/postwork_maildir.py, embedded into the binary.
"""
import base64
import binascii

from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import MISSING, AuthResult

# The one account the scripted server knows. AUTH is only offered after
# STARTTLS (aiosmtpd's default), as on real submission servers.
USERNAME = b"ana@sender.example"
PASSWORD = b"correct horse battery staple"


class ScriptedMailbox(Mailbox):
    """A Maildir sink whose RCPT answer depends on the recipient's local part,
    so one server can show accepted, hard-bounced and deferred recipients:

      unknown*@...  -> 550 5.1.1 (no such user: a hard bounce)
      busy*@...     -> 451 4.3.0 (try again later)
      anything else -> accepted and stored like aiosmtpd's Mailbox

    AUTH PLAIN and AUTH LOGIN accept USERNAME / PASSWORD only (535 otherwise).
    """

    @staticmethod
    def _check(login, password):
        return AuthResult(success=(login == USERNAME and password == PASSWORD), handled=False)

    async def auth_PLAIN(self, server, args):
        if len(args) > 1:
            try:
                decoded = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False)
        else:
            decoded = await server.challenge_auth("")  # returns the decoded answer
            if decoded is MISSING:
                return AuthResult(success=False, handled=True)
        parts = decoded.split(b"\0")
        if len(parts) != 3:
            return AuthResult(success=False, handled=False)
        return self._check(parts[1], parts[2])

    async def auth_LOGIN(self, server, args):
        if len(args) > 1:
            try:
                login = base64.b64decode(args[1], validate=True)
            except binascii.Error:
                return AuthResult(success=False, handled=False)
        else:
            login = await server.challenge_auth("Username:")
            if login is MISSING:
                return AuthResult(success=False, handled=True)
        password = await server.challenge_auth("Password:")
        if password is MISSING:
            return AuthResult(success=False, handled=True)
        return self._check(login, password)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("unknown"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("busy"):
            return "451 4.3.0 <%s>: Temporary lookup failure, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
