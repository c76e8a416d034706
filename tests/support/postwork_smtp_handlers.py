"""aiosmtpd handlers for postwork's SMTP tests.

Run as a real SMTP server with
    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c postwork_smtp_handlers.ScriptedMailbox MAILDIR
(this directory on PYTHONPATH). Used by tests/support/smtp_sink.cpp.
"""
from aiosmtpd.handlers import Mailbox


class ScriptedMailbox(Mailbox):
    """A Maildir sink whose RCPT answer depends on the recipient's local part,
    so one server can show accepted, hard-bounced and deferred recipients:

      unknown*@...  -> 550 5.1.1 (no such user: a hard bounce)
      busy*@...     -> 451 4.3.0 (try again later)
      anything else -> accepted and stored like aiosmtpd's Mailbox
    """

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("unknown"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("busy"):
            return "451 4.3.0 <%s>: Temporary lookup failure, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
