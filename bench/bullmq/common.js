// Shared by the BullMQ side of `postwork bench --peer` (bench/compare.sh): the
// scenario from the environment, and the same Redis readings the postwork
// harness takes (src/bench/probes.cpp), so the two columns mean the same.
'use strict';
const IORedis = require('ioredis');

const env = process.env;
const spec = {
  scenario: env.PW_BENCH_SCENARIO,
  jobs: Number(env.PW_BENCH_JOBS),
  warmup: Number(env.PW_BENCH_WARMUP),
  batch: Number(env.PW_BENCH_BATCH || 1),
  concurrency: Number(env.PW_BENCH_CONCURRENCY || 1),
  rate: Number(env.PW_BENCH_RATE || 0),
  payloadBytes: Number(env.PW_BENCH_PAYLOAD_BYTES || 0),
  redisUrl: env.PW_BENCH_REDIS_URL,
};
const QUEUE = 'pwbench';

function connection() {
  // BullMQ workers need maxRetriesPerRequest: null on their blocking connection.
  return new IORedis(spec.redisUrl, { maxRetriesPerRequest: null });
}

// INFO readings; the probe's own INFO calls are subtracted as in probes.cpp.
class RedisProbe {
  constructor() {
    this.conn = new IORedis(spec.redisUrl);
    this.own = 0;
  }
  async take() {
    const sample = { ownCommands: this.own, ownReads: this.own + 1 };
    this.own += 1;
    const text = await this.conn.call('INFO', 'cpu', 'stats', 'commandstats');
    const info = {};
    for (const line of text.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0 && line[0] !== '#') info[line.slice(0, i)] = line.slice(i + 1);
    }
    sample.cpu = Number(info.used_cpu_sys) + Number(info.used_cpu_user);
    sample.commands = Number(info.total_commands_processed);
    sample.reads = Number(info.total_reads_processed);
    sample.calls = {};
    for (const [k, v] of Object.entries(info)) {
      const m = k.startsWith('cmdstat_') && /calls=(\d+)/.exec(v);
      if (m) sample.calls[k.slice(8)] = Number(m[1]);
    }
    return sample;
  }
  close() {
    return this.conn.quit();
  }
}

function redisFigures(a, b, jobs) {
  const perCommand = Object.entries(b.calls)
    .map(([name, n]) => [name, n - (a.calls[name] || 0) - (name === 'info' ? 1 : 0)])
    .filter(([, d]) => d > 0)
    .sort((x, y) => y[1] - x[1])
    .slice(0, 12);
  return {
    redis_cpu_ms_per_1k: ((b.cpu - a.cpu) * 1e6) / jobs,
    redis_commands_per_job: (b.commands - a.commands - (b.ownCommands - a.ownCommands)) / jobs,
    redis_calls_per_job: (b.reads - a.reads - (b.ownReads - a.ownReads)) / jobs,
    detail: { redis_commands_per_job: Object.fromEntries(perCommand.map(([n, d]) => [n, d / jobs])) },
  };
}

const nowNs = () => process.hrtime.bigint();
const seconds = (t0, t1) => Number(t1 - t0) / 1e9;
const cpuSeconds = (u) => (u.user + u.system) / 1e6;

// percentile_cont: linear interpolation between the closest ranks.
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

module.exports = { spec, QUEUE, connection, RedisProbe, redisFigures, nowNs, seconds, cpuSeconds, percentile };
