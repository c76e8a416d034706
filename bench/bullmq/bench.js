// The BullMQ side of one scenario run (see src/bench/peer.hpp for the
// contract): measures its own window and prints one JSON line.
//   queue-add, queue-add-bulk  Queue.add / Queue.addBulk in this process
//   worker-*                   jobs added here, drained by a worker child (worker.js)
//   latency                    a worker child runs while this process adds at a steady rate
'use strict';
const path = require('path');
const { fork } = require('child_process');
const { Queue } = require('bullmq');
const c = require('./common');

const { spec } = c;
// The same payload as the postwork side (src/bench/scenarios.cpp BenchPayload).
const payload = spec.payloadBytes > 0 ? { body: 'x'.repeat(spec.payloadBytes) } : {};

async function produce(queue, count) {
  if (spec.batch <= 1) {
    for (let i = 0; i < count; i++) await queue.add('test', payload);
    return;
  }
  for (let done = 0; done < count; ) {
    const n = Math.min(spec.batch, count - done);
    await queue.addBulk(Array.from({ length: n }, () => ({ name: 'test', data: payload })));
    done += n;
  }
}

async function queueAdd(queue) {
  const probe = new c.RedisProbe();
  await produce(queue, spec.warmup);
  const a = await probe.take();
  const cpu0 = process.cpuUsage();
  const t0 = c.nowNs();
  await produce(queue, spec.jobs);
  const t1 = c.nowNs();
  const cpu = c.cpuSeconds(process.cpuUsage(cpu0));
  const b = await probe.take();
  await probe.close();
  const secs = c.seconds(t0, t1);
  return {
    jobs: spec.jobs,
    seconds: secs,
    jobs_per_s: spec.jobs / secs,
    process_cpu_ms_per_1k: (cpu * 1e6) / spec.jobs,
    ...c.redisFigures(a, b, spec.jobs),
  };
}

function startWorker() {
  const child = fork(path.join(__dirname, 'worker.js'), [], { env: process.env });
  const result = new Promise((resolve, reject) => {
    child.on('message', (m) => m.result && resolve(m.result));
    child.on('exit', (code) => reject(new Error(`worker.js exited with ${code}`)));
  });
  const ready = new Promise((resolve) => child.on('message', (m) => m.ready && resolve()));
  return { child, ready, result };
}

async function drain(queue) {
  const total = spec.warmup + spec.jobs;
  for (let done = 0; done < total; done += 1000) {
    const n = Math.min(1000, total - done);
    await queue.addBulk(Array.from({ length: n }, () => ({ name: 'test', data: payload })));
  }
  const w = startWorker();
  return w.result;
}

async function latency(queue) {
  const w = startWorker();
  await w.ready;
  const total = spec.warmup + spec.jobs;
  const intervalMs = 1000 / spec.rate;
  const start = performance.now() + 20;
  const pending = [];
  for (let i = 0; i < total; i++) {
    const wait = start + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(queue.add('test', payload));
  }
  await Promise.all(pending);
  return w.result;
}

async function main() {
  const connection = c.connection();
  const queue = new Queue(c.QUEUE, { connection });
  await queue.waitUntilReady();
  let out;
  if (spec.scenario === 'queue-add' || spec.scenario === 'queue-add-bulk') out = await queueAdd(queue);
  else if (spec.scenario.startsWith('worker-')) out = await drain(queue);
  else if (spec.scenario === 'latency') out = await latency(queue);
  else throw new Error(`unknown scenario ${spec.scenario}`);
  await queue.close();
  await connection.quit();
  process.stdout.write(JSON.stringify({ scenario: spec.scenario, system: 'bullmq', ...out }) + '\n');
  process.exit(0);
}

const timer = setTimeout(() => {
  console.error('bench.js: timed out');
  process.exit(3);
}, 590000);
timer.unref();
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
