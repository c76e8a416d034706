#!/usr/bin/env python3
"""Drives the engine's Redis scripts alone, the way a busy worker does.

Enqueues N jobs with enqueue.lua, then leases them with fetch.lua in batches of
B and settles them with finish.lua in batches of F, keeping about 2F leased
(the completer's backlog, so the lease set is a skiplist as in worker-concurrent).
Prints Redis's CPU per job over the drain (INFO cpu). With HOOK set, runs
"HOOK -z" before the drain and "HOOK -d" after it (callgrind_control).

Usage: drive.py LUA_DIR   (env: RPORT, N, B, F, HOOK, FINISH_ARGS=groups8 for
scripts before the variable-length finish groups)
"""
import os
import re
import socket
import subprocess
import sys
import time
import uuid

LUA = sys.argv[1] if len(sys.argv) > 1 else 'lua'
PORT = int(os.environ.get('RPORT', '6379'))
N = int(os.environ.get('N', '20000'))
B = int(os.environ.get('B', '100'))
F = int(os.environ.get('F', '500'))
HOOK = os.environ.get('HOOK', '')
OLD_FINISH = os.environ.get('FINISH_ARGS', '') == 'groups8'


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port))
        self.file = self.sock.makefile('rb')

    def cmd(self, *args):
        out = [b'*%d\r\n' % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b'$%d\r\n%s\r\n' % (len(a), a))
        self.sock.sendall(b''.join(out))
        return self.read()

    def read(self):
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b'+':
            return rest
        if kind == b'-':
            raise RuntimeError(rest.decode())
        if kind == b':':
            return int(rest)
        if kind == b'$':
            n = int(rest)
            return None if n < 0 else self.file.read(n + 2)[:-2]
        if kind == b'*':
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError(f'unexpected reply {line!r}')


def load(name):
    """The script as the binary loads it: `-- @include NAME` spliced in."""
    with open(f'{LUA}/{name}.lua') as f:
        src = f.read()

    def include(m):
        with open(f'{LUA}/lib/{m.group(1)}.lua') as lib:
            return lib.read()
    return re.sub(r'^-- @include (\w+)$', include, src, flags=re.M)


def now_ms():
    return int(time.time() * 1000)


r = Redis(PORT)
r.cmd('FLUSHALL')
sha = {n: r.cmd('SCRIPT', 'LOAD', load(n)).decode() for n in ('enqueue', 'fetch', 'finish')}
QUEUE = 'queue:diagnostic'
for first in range(0, N, 1000):
    args = []
    for _ in range(first, min(N, first + 1000)):
        jid = str(uuid.uuid4())
        env = ('{"attempt_count":0,"enqueued_at":%d,"id":"%s","max_attempts":5,"payload":{},'
               '"queue":"%s","recorded":true}' % (now_ms(), jid, QUEUE))
        args += [jid, env]
    r.cmd('EVALSHA', sha['enqueue'], 1, 'pw:scheduled', now_ms(), 'shared', QUEUE, 0, 5, 0, '',
          *args)


def cpu():
    info = r.cmd('INFO', 'cpu').decode()
    fields = dict(line.split(':', 1) for line in info.split('\r\n') if ':' in line)
    return float(fields['used_cpu_user']) + float(fields['used_cpu_sys'])


def finish(batch):
    args = []
    for jid, token, queue in batch:
        if OLD_FINISH:
            args += [jid, token, queue, 'completed', 'null', '', '', '']
        else:
            args += ['completed', jid, token, queue, 'null']
    fenced = r.cmd('EVALSHA', sha['finish'], 3, 'pw:leases', 'pw:scheduled', 'pw:dead', now_ms(),
                   86400, *args)
    assert not fenced, fenced


if HOOK:
    subprocess.run(HOOK + ' -z', shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
cpu0 = cpu()
held, done = [], 0
while True:
    reply = r.cmd('EVALSHA', sha['fetch'], 6, 'pw:scheduled', 'pw:leases', 'pw:wake',
                  'pw:seq:lease', 'pw:seq:malformed', QUEUE, now_ms(), 'w1', now_ms() + 30000, B,
                  100)
    jobs = reply[0]
    for i in range(0, len(jobs), 7):
        held.append((jobs[i], jobs[i + 2], jobs[i + 1]))
    done += len(jobs) // 7
    if len(held) >= 2 * F or not jobs:
        while held and (len(held) >= F or not jobs):
            finish(held[:F])
            held = held[F:]
    if not jobs:
        break
cpu1 = cpu()
if HOOK:
    subprocess.run(HOOK + ' -d', shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
assert done == N, (done, N)
assert r.cmd('ZCARD', 'pw:leases') == 0
print(f'{1e6 * (cpu1 - cpu0) / N:.3f}')
