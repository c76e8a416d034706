// The dashboard in a real browser: Playwright (npm playwright-core) driving
// Debian's Chromium headless against a worker and `postwork dashboard` on the
// Redis/PostgreSQL of `postwork services` (POSTWORK_TEST_REDIS_URL,
// POSTWORK_TEST_DATABASE_URL). Run by ctest (label e2e):
//   postwork services -- node tests/e2e/dashboard.spec.mjs
// Environment: POSTWORK_BINARY (build/postwork), POSTWORK_ARTIFACTS_DIR
// (screenshots; default build/test-artifacts). Exit 77 (skipped) only when
// Chromium is installed but cannot start here.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import assert from 'node:assert/strict';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const binary = process.env.POSTWORK_BINARY || join(root, 'build/postwork');
const artifacts = process.env.POSTWORK_ARTIFACTS_DIR || join(root, 'build/test-artifacts');
const chromiumPath = process.env.POSTWORK_CHROMIUM || '/usr/bin/chromium';
const TOKEN = 'e2e-dashboard-token';
const SKIP = 77;

function fail(message) {
  console.error('dashboard e2e: FAILED: ' + message);
  process.exit(1);
}

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  fail('npm package playwright-core is missing in tests/e2e/node_modules: run scripts/install-deps.sh (' + e.message + ')');
}
if (!existsSync(chromiumPath)) fail(chromiumPath + ' is missing: run scripts/install-deps.sh (Debian package chromium)');
if (!process.env.POSTWORK_TEST_REDIS_URL || !process.env.POSTWORK_TEST_DATABASE_URL) {
  fail('run under `postwork services -- node ' + 'tests/e2e/dashboard.spec.mjs` (no POSTWORK_TEST_* servers)');
}

const env = {
  ...process.env,
  POSTWORK_REDIS_URL: process.env.POSTWORK_TEST_REDIS_URL,
  POSTWORK_DATABASE_URL: process.env.POSTWORK_TEST_DATABASE_URL,
  POSTWORK_LOG_LEVEL: 'warn',
};

function freePort() {
  return new Promise((ok, ko) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', ko);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function postwork(args, extraEnv = {}) {
  return execFileSync(binary, args, { env: { ...env, ...extraEnv }, encoding: 'utf8' });
}

const children = [];
function start(args, extraEnv = {}) {
  const child = spawn(binary, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  return child;
}
function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);

async function waitFor(what, fn, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  fail('timed out waiting for ' + what + (last ? ' (' + last.message + ')' : ''));
}

async function getJson(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(url + ': HTTP ' + res.status);
  return res.json();
}

// ---- servers ---------------------------------------------------------------
postwork(['migrate', 'up']);
const dashPort = await freePort();
const httpPort = await freePort();
const base = `http://127.0.0.1:${dashPort}`;
start(['dashboard', '--listen', `127.0.0.1:${dashPort}`], { POSTWORK_DASHBOARD_TOKEN: TOKEN });
start(['worker', '--queues', 'diagnostic', '--concurrency', '4', '--http', `127.0.0.1:${httpPort}`]);
await waitFor('the dashboard', async () => (await fetch(base + '/api/overview')).ok);
await waitFor('the worker to be ready', async () => (await fetch(`http://127.0.0.1:${httpPort}/ready`)).status === 200);

// A steady stream of jobs: 400 x 40 ms on 4 slots is about 4 s of work.
const bulk = join(tmpdir(), `postwork-e2e-${process.pid}.ndjson`);
writeFileSync(bulk, Array.from({ length: 400 }, (_, i) => JSON.stringify({ sleep_ms: 40, n: i })).join('\n') + '\n');

// ---- browser ---------------------------------------------------------------
let browser;
try {
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
} catch (e) {
  console.log('dashboard e2e: SKIPPED: Chromium cannot start on this machine: ' + e.message.split('\n')[0]);
  process.exit(SKIP);
}
mkdirSync(artifacts, { recursive: true });
const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('dialog', (d) => d.accept());
const shot = async (name) => {
  const file = join(artifacts, `dashboard-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log('dashboard e2e: screenshot ' + file);
};
const number = async (testid) => Number((await page.getByTestId(testid).textContent()).replace(/[^0-9]/g, ''));

let passed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  passed += 1;
  console.log(`dashboard e2e: ok ${passed} - ${name} (${Date.now() - t0} ms)`);
}

try {
  await step('the overview shows the processed count rising while a worker runs', async () => {
    await page.goto(base + '/#/overview');
    await page.getByTestId('value-processed').waitFor();
    const before = await number('value-processed');
    postwork(['enqueue', 'diagnostic', '--file', bulk]);
    const seen = new Set([before]);
    // Live updates, no reload: at least two further distinct, growing values.
    await waitFor('the processed count to rise on the page', async () => {
      const v = await number('value-processed');
      seen.add(v);
      return seen.size >= 3 && v > before;
    }, 30000);
    const values = [...seen];
    assert.ok(values.every((v, i) => i === 0 || v >= values[i - 1]), 'counts only grow: ' + values);
    await waitFor('all 400 jobs processed', async () => (await number('value-processed')) >= before + 400, 60000);
    const rows = await page.getByTestId('queue-row').count();
    assert.ok(rows >= 10, 'a table row per queue');
    const diag = page.getByTestId('queue-row').filter({ hasText: 'queue:diagnostic' });
    assert.match(await diag.textContent(), /queue:diagnostic/);
    await page.waitForTimeout(1100); // one more refresh so the 15 min chart shows the burst
    await shot('overview');
  });

  let deadId;
  const markup = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><b>bold</b>';
  await step('a dead job with markup in its payload shows up in the dead letters', async () => {
    deadId = postwork(['enqueue', 'diagnostic', JSON.stringify({ fail_attempts: 1, permanent: true, note: markup })]).trim();
    await waitFor('the job to be dead', async () => (await getJson(base + '/api/jobs/' + deadId)).status === 'failed');
    await page.goto(base + '/#/dead');
    await page.getByTestId('job-row').filter({ hasText: deadId }).waitFor();
    assert.ok((await number('dead-count')) >= 1);
    await shot('dead-letters');
  });

  await step('the job page shows the payload escaped, as text', async () => {
    await page.getByTestId('job-row').filter({ hasText: deadId }).getByRole('link').click();
    const payload = page.getByTestId('payload');
    await payload.waitFor();
    const text = await payload.textContent();
    assert.ok(text.includes(markup.replace(/"/g, '\\"')), 'the markup is shown literally: ' + text);
    assert.equal(await payload.locator('b, script, img').count(), 0, 'no element was created from the payload');
    assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no script from the payload ran');
    assert.ok((await page.getByTestId('execution-row').count()) === 1);
    const detail = await page.getByTestId('job-detail').textContent();
    assert.ok(detail.includes('queue:diagnostic') && detail.includes('1 of 5'), 'the job fields are shown');
    assert.ok(!detail.includes('[object') && !/\bnull\b/.test(detail.replace(text, '')), 'no raw objects rendered');
    assert.match(await page.getByTestId('last-error').textContent(), /failing attempt 1 of 1/);
    await shot('job-detail');
  });

  await step('retry without the token is refused (401), with the token it runs again', async () => {
    await page.getByTestId('retry').click();
    await page.locator('#flash.error').filter({ hasText: 'token' }).waitFor();
    const after401 = await getJson(base + '/api/jobs/' + deadId);
    assert.equal(after401.status, 'failed', 'nothing changed without the token');
    await page.getByTestId('token').fill(TOKEN);
    await page.getByTestId('retry').click();
    await page.locator('#flash:not(.error)').filter({ hasText: 'Retry: done' }).waitFor();
    // The page follows by itself: a second attempt appears (it fails again, as asked).
    await waitFor('a second attempt on the page', async () => (await page.getByTestId('execution-row').count()) === 2, 30000);
  });

  await step('the workers page lists the live worker', async () => {
    await page.goto(base + '/#/workers');
    const row = page.getByTestId('worker-row').first();
    await row.waitFor();
    assert.match(await row.textContent(), /healthy/);
    await shot('workers');
  });

  await step('the jobs page searches by queue and status', async () => {
    await page.goto(base + '/#/jobs');
    await page.getByTestId('search-queue').locator('option[value="queue:diagnostic"]').waitFor({ state: 'attached' });
    await page.getByTestId('search-queue').selectOption('queue:diagnostic');
    await page.getByTestId('search-status').selectOption('completed');
    await page.getByRole('button', { name: 'Search' }).click();
    await waitFor('completed jobs listed', async () => (await page.getByTestId('job-row').count()) >= 10);
    const statuses = await page.getByTestId('job-row').locator('.status').allTextContents();
    assert.ok(statuses.every((s) => s === 'completed'), 'only completed jobs: ' + statuses);
    await shot('jobs');
  });

  await step('retry all and delete from the dead letters page', async () => {
    await waitFor('the job to be dead again', async () => (await getJson(base + '/api/jobs/' + deadId)).status === 'failed');
    await page.goto(base + '/#/dead');
    await page.getByTestId('job-row').filter({ hasText: deadId }).waitFor();
    await page.getByTestId('retry-all').click();
    await page.locator('#flash:not(.error)').filter({ hasText: 'Retry all: done' }).waitFor();
    await waitFor('three attempts', async () => (await getJson(base + '/api/jobs/' + deadId)).executions.length === 3);
    await waitFor('the job dead again', async () => (await getJson(base + '/api/jobs/' + deadId)).status === 'failed');
    await page.getByTestId('job-row').filter({ hasText: deadId }).getByTestId('delete-one').click();
    await waitFor('the job to be gone', async () => (await fetch(base + '/api/jobs/' + deadId)).status === 404);
    await page.locator('[data-testid=dead-table] .empty').waitFor();
  });

  await step('the campaigns page says there are none yet', async () => {
    await page.goto(base + '/#/campaigns');
    await page.getByTestId('campaigns').getByText('No campaigns yet').waitFor();
    await shot('campaigns');
  });

  await step('the terminal views render (screenshots for docs/operations.md)', async () => {
    for (const [name, args] of [['top', ['top', '--iterations', '1']], ['stats', ['stats']], ['workers', ['workers']]]) {
      const text = postwork(args);
      assert.ok(text.length > 0);
      await page.setContent('<body style="margin:0;background:#101522"><pre id="t" style="display:inline-block;margin:0;padding:16px;color:#d7e0ee;font:13px/1.4 DejaVu Sans Mono,monospace"></pre></body>');
      await page.locator('#t').evaluate((node, value) => { node.textContent = value; }, text);
      const file = join(artifacts, `cli-${name}.png`);
      await page.locator('#t').screenshot({ path: file });
      console.log('dashboard e2e: screenshot ' + file);
    }
  });

  assert.deepEqual(pageErrors, [], 'no JavaScript errors on the pages');
} catch (e) {
  await page.screenshot({ path: join(artifacts, 'dashboard-failure.png'), fullPage: true }).catch(() => {});
  await browser.close();
  fail(e.stack || String(e));
}
await browser.close();
stopAll();
console.log(`dashboard e2e: ${passed} passed, 0 failed`);
