// The BullMQ worker process of the worker-* and latency scenarios: no-op jobs
// at the scenario's concurrency. The window opens at the warm-up-th
// completion and closes at the last; CPU and peak RSS are this process's.
'use strict';
const { Worker } = require('bullmq');
const c = require('./common');

const { spec } = c;

async function main() {
  const probe = new c.RedisProbe();
  const total = spec.warmup + spec.jobs;
  const latencies = [];
  let done = 0;
  let a, b, cpu0, t0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const worker = new Worker(
    c.QUEUE,
    async (job) => {
      // Enqueue-to-start, in ms as both stamps are: job ids count from 1.
      if (Number(job.id) > spec.warmup) latencies.push(job.processedOn - job.timestamp);
      return {};
    },
    { connection: c.connection(), concurrency: spec.concurrency },
  );
  worker.on('completed', async () => {
    done += 1;
    if (done === spec.warmup) {
      t0 = c.nowNs();
      cpu0 = process.cpuUsage();
      a = probe.take();
    } else if (done === total) {
      const t1 = c.nowNs();
      const cpu = c.cpuSeconds(process.cpuUsage(cpu0));
      b = probe.take();
      finish({ t1, cpu });
    }
  });
  await worker.waitUntilReady();
  process.send({ ready: true });
  const { t1, cpu } = await finished;
  const [sa, sb] = await Promise.all([a, b]);
  const secs = c.seconds(t0, t1);
  const result = {
    jobs: spec.jobs,
    seconds: secs,
    jobs_per_s: spec.jobs / secs,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024,
    process_cpu_ms_per_1k: (cpu * 1e6) / spec.jobs,
    ...c.redisFigures(sa, sb, spec.jobs),
  };
  result.detail.process = `worker (child process, concurrency ${spec.concurrency})`;
  if (spec.scenario === 'latency') {
    latencies.sort((x, y) => x - y);
    result.p50_ms = c.percentile(latencies, 0.5);
    result.p99_ms = c.percentile(latencies, 0.99);
    result.p999_ms = c.percentile(latencies, 0.999);
    result.detail.latency_samples = latencies.length;
  }
  await worker.close();
  await probe.close();
  process.send({ result });
  process.disconnect();
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
