"""aiosmtpd handlers for postwork's SMTP tests.

Run as a real SMTP server with
    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c postwork_smtp_handlers.ScriptedMailbox MAILDIR
(this directory on PYTHONPATH). Used by tests/support/smtp_sink.cpp.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c postwork_smtp_handlers.MaildirDelivery ROOT
delivers into per-recipient Maildirs under ROOT, for an IMAP server
(tests/support/imap_server.cpp) to serve.
"""
import base64
import binascii
import itertools
import os
import socket
import time

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


class MaildirDelivery:
    """Delivers each recipient's copy into ROOT/<address>/ (dovecot's
    mail_location = maildir:ROOT/%u), as a local delivery agent would.

    A recipient listed in ROOT/junk-recipients (one address a line, read on
    every message) gets the message in its Junk folder (ROOT/<address>/.Junk/),
    as if a spam filter had put it there. Everything created takes the owner of
    ROOT, so an unprivileged IMAP server can read and move it.
    """

    def __init__(self, root):
        self.root = root
        self.counter = itertools.count()
        owner = os.stat(root)
        self.uid, self.gid = owner.st_uid, owner.st_gid

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("MaildirDelivery takes the mail root directory")
        return cls(args[0])

    def _junk_recipients(self):
        try:
            with open(os.path.join(self.root, "junk-recipients")) as f:
                return {line.strip().lower() for line in f if line.strip()}
        except FileNotFoundError:
            return set()

    def _dir(self, path):
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            os.chown(path, self.uid, self.gid)

    def _deliver(self, address, data):
        mailbox = os.path.join(self.root, address)
        self._dir(mailbox)
        folder = os.path.join(mailbox, ".Junk") if address in self._junk_recipients() else mailbox
        for sub in ("", "cur", "new", "tmp"):
            self._dir(os.path.join(folder, sub))
        name = "%d.M%dP%dQ%d.%s" % (time.time(), time.time_ns() % 1000000, os.getpid(),
                                    next(self.counter), socket.gethostname())
        tmp = os.path.join(folder, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(b"Delivered-To: " + address.encode() + b"\r\n" + data)
        os.chown(tmp, self.uid, self.gid)
        os.rename(tmp, os.path.join(folder, "new", name))

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        for rcpt in envelope.rcpt_tos:
            self._deliver(rcpt.lower(), data)
        return "250 2.0.0 Delivered"
