"""An aiosmtpd handler that delivers like a local delivery agent, for
postwork's dev environment (`postwork dev`) and its tests.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c postwork_maildir.MaildirDelivery ROOT

delivers each recipient's copy into a Maildir under ROOT/<address>/, which a
dovecot with mail_location = maildir:ROOT/%u serves over IMAP
(src/devenv/dovecot_server.cpp). This file is embedded into the postwork
binary (CMakeLists.txt, postwork_embed) and written next to the server at run
time (src/devenv/servers.cpp WriteMaildirDeliveryModule), so it works without
the source tree. Standard library only.
"""
import itertools
import os
import socket
import time


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

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # The address names a folder: nothing that could leave ROOT.
        local, _, domain = address.partition("@")
        if not local or not domain or "/" in address or "\0" in address or address.startswith("."):
            return "553 5.1.3 <%s>: not a deliverable address here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        for rcpt in envelope.rcpt_tos:
            self._deliver(rcpt.lower(), data)
        return "250 2.0.0 Delivered"
