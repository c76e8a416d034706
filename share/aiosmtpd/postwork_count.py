"""An aiosmtpd handler that accepts every message, stores nothing and keeps a
count, for `postwork bench` (the email-send scenario): a real SMTP server on
loopback that costs as little as aiosmtpd can per message, so the benchmark
measures the sender rather than a disk.

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c postwork_count.CountingSink COUNT_FILE

COUNT_FILE holds "<messages> <recipients> <bytes>" on one line, rewritten in
place (one pwrite) after every accepted message, so it can be read at any
time. Embedded into the postwork binary like postwork_maildir.py. Standard
library only.
"""
import os


class CountingSink:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.messages = 0
        self.recipients = 0
        self.bytes = 0
        self._write()

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("CountingSink takes the count file")
        return cls(args[0])

    def _write(self):
        line = b"%d %d %d" % (self.messages, self.recipients, self.bytes)
        os.pwrite(self.fd, line.ljust(63) + b"\n", 0)

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content or b""
        self.messages += 1
        self.recipients += len(envelope.rcpt_tos)
        self.bytes += len(data)
        self._write()
        return "250 OK"
