// postwork dashboard: hash-routed pages over the JSON API under /api/.
// Every value from the API reaches the page as a text node or through
// textContent, never as markup, so a payload holding <script> shows as text.
'use strict';

const REFRESH_MS = 1000;
const COLORS = { processed: '#1f8f4e', failed: '#c8372d', ready: '#2457d6', scheduled: '#b7791f', in_flight: '#7b4fd6', dead: '#c8372d' };
const STATUSES = ['queued', 'running', 'retry_scheduled', 'completed', 'failed', 'cancelled'];

// ---- DOM helpers ----------------------------------------------------------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key === 'testid') node.dataset.testid = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function num(v) { return el('td', { class: 'num', text: Number(v || 0).toLocaleString() }); }
function statusBadge(s) { return el('span', { class: 'status ' + String(s).replace(/[^a-z_]/g, ''), text: s }); }
function pretty(value) { return JSON.stringify(value, null, 2); }

function age(seconds) {
  if (!seconds || seconds <= 0) return '-';
  if (seconds < 120) return seconds.toFixed(1) + ' s';
  if (seconds < 7200) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return (seconds / 3600).toFixed(1) + ' h';
  return (seconds / 86400).toFixed(1) + ' d';
}

function when(text) {
  if (!text) return '-';
  const d = new Date(text);
  return isNaN(d) ? text : d.toLocaleString();
}

function table(headers, rows, emptyText) {
  const head = el('tr', {}, headers.map((h) => el('th', { class: h.num ? 'num' : null, text: h.text || h })));
  const body = el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { class: 'empty', colspan: headers.length, text: emptyText || 'Nothing here.' })));
  return el('table', {}, el('thead', {}, head), body);
}

function flash(message, isError) {
  const box = document.getElementById('flash');
  box.textContent = message;
  box.className = 'flash' + (isError ? ' error' : '');
  box.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { box.hidden = true; }, isError ? 8000 : 4000);
}

// ---- API ------------------------------------------------------------------

function token() { return sessionStorage.getItem('postwork-token') || ''; }

async function api(path, options = {}) {
  const headers = { Accept: 'application/json' };
  if (token()) headers.Authorization = 'Bearer ' + token();
  const res = await fetch(path, { method: options.method || 'GET', headers, cache: 'no-store' });
  let body = null;
  try { body = await res.json(); } catch (_) { body = null; }
  if (!res.ok) {
    const err = new Error((body && body.error) || ('HTTP ' + res.status));
    err.status = res.status;
    throw err;
  }
  return body;
}

async function act(label, path, method) {
  try {
    await api(path, { method: method || 'POST' });
    flash(label + ': done');
    return true;
  } catch (e) {
    flash(label + ' failed: ' + e.message + (e.status === 401 ? ' (enter the token at the top right)' : ''), true);
    return false;
  }
}

// ---- pages ----------------------------------------------------------------

const pages = {};

pages.overview = {
  title: 'Overview',
  mount(main) {
    this.cards = el('div', { class: 'cards', testid: 'overview-cards' });
    this.chart15 = el('canvas', { class: 'chart', testid: 'chart-15m' });
    this.chart24 = el('canvas', { class: 'chart', testid: 'chart-24h' });
    this.depth = el('canvas', { class: 'chart', testid: 'chart-depth' });
    this.queues = el('div', { testid: 'queue-table' });
    const legend = (names) => el('div', { class: 'legend' }, names.map((n) => {
      const s = el('span', { text: n.replace('_', ' ') });
      s.style.setProperty('--swatch', COLORS[n]);
      return s;
    }));
    main.append(
      el('h1', { text: 'Overview' }),
      this.cards,
      el('div', { class: 'charts' },
        el('div', { class: 'panel' }, el('h2', { text: 'Throughput, last 15 minutes (jobs per second)' }), this.chart15, legend(['processed', 'failed'])),
        el('div', { class: 'panel' }, el('h2', { text: 'Throughput, last 24 hours (jobs per minute)' }), this.chart24, legend(['processed', 'failed']))),
      el('div', { class: 'panel' }, el('h2', { text: 'Queue depth' }), this.depth, legend(['ready', 'scheduled', 'in_flight', 'dead'])),
      el('div', { class: 'panel' }, el('h2', { text: 'Queues' }), this.queues));
    this.last24 = 0;
  },
  async refresh() {
    const [o, h15] = await Promise.all([api('/api/overview'), api('/api/stats/history?window=15m')]);
    const card = (label, value, id, bad) => el('div', { class: 'card' + (bad ? ' bad' : ''), testid: 'card-' + id },
      el('div', { class: 'label', text: label }), el('div', { class: 'value', testid: 'value-' + id, text: Number(value).toLocaleString() }));
    this.cards.replaceChildren(
      card('Processed (1 h)', o.processed_1h, 'processed'),
      card('Failed (1 h)', o.failed_1h, 'failed', o.failed_1h > 0),
      card('Ready', o.ready, 'ready'),
      card('Scheduled', o.scheduled, 'scheduled'),
      card('In flight', o.in_flight, 'in-flight'),
      card('Dead', o.dead, 'dead', o.dead > 0),
      card('Workers', o.workers, 'workers'));
    Charts.line(this.chart15, {
      start: h15.start, step: h15.step_seconds, emptyText: 'no jobs finished in the last 15 minutes',
      series: [{ color: COLORS.processed, values: h15.processed }, { color: COLORS.failed, values: h15.failed }],
    });
    if (Date.now() - this.last24 > 5000) {
      this.last24 = Date.now();
      const h24 = await api('/api/stats/history?window=24h');
      Charts.line(this.chart24, {
        start: h24.start, step: h24.step_seconds, emptyText: 'no jobs finished in the last 24 hours',
        series: [{ color: COLORS.processed, values: h24.processed }, { color: COLORS.failed, values: h24.failed }],
      });
    }
    const busy = o.queues.filter((q) => q.ready + q.scheduled + q.in_flight + q.dead > 0);
    const shown = busy.length ? busy : o.queues.slice(0, 3);
    this.depth.style.height = Math.max(90, shown.length * 28 + 12) + 'px';
    Charts.bars(this.depth, {
      labels: shown.map((q) => q.queue), emptyText: 'every queue is empty',
      series: ['ready', 'scheduled', 'in_flight', 'dead'].map((k) => ({ color: COLORS[k], values: shown.map((q) => q[k]) })),
    });
    this.queues.replaceChildren(table(
      ['Queue', { text: 'Ready', num: 1 }, { text: 'Scheduled', num: 1 }, { text: 'In flight', num: 1 }, { text: 'Dead', num: 1 },
        { text: 'Done 1 min', num: 1 }, { text: 'Failed 1 min', num: 1 }, { text: 'Done 1 h', num: 1 }, { text: 'Failed 1 h', num: 1 }, { text: 'Oldest ready', num: 1 }],
      o.queues.map((q) => el('tr', { testid: 'queue-row' },
        el('td', {}, el('a', { href: '#/jobs?queue=' + encodeURIComponent(q.queue), class: 'mono', text: q.queue })),
        num(q.ready), num(q.scheduled), num(q.in_flight), num(q.dead),
        num(q.processed_1m), num(q.failed_1m), num(q.processed_1h), num(q.failed_1h),
        el('td', { class: 'num', text: age(q.oldest_ready_age_s) })))));
    if (o.postgres_error) flash('PostgreSQL: ' + o.postgres_error, true);
  },
};

pages.workers = {
  mount(main) {
    this.list = el('div', { testid: 'workers-table' });
    main.append(el('h1', { text: 'Workers' }), el('div', { class: 'panel' }, this.list));
  },
  async refresh() {
    const workers = await api('/api/workers');
    const now = Date.now();
    this.list.replaceChildren(table(
      ['Worker', 'Status', 'Host / pid', { text: 'Slots', num: 1 }, { text: 'Processed', num: 1 }, { text: 'Failed', num: 1 },
        { text: 'Dead', num: 1 }, { text: 'Avg ms', num: 1 }, { text: 'RSS MB', num: 1 }, { text: 'CPU s', num: 1 }, { text: 'Uptime', num: 1 }, { text: 'Heartbeat', num: 1 }, 'Queues'],
      workers.map((w) => el('tr', { testid: 'worker-row' },
        el('td', { class: 'mono', text: w.worker_id }),
        el('td', {}, statusBadge(w.status)),
        el('td', { text: (w.hostname || '?') + ' / ' + (w.pid || '?') }),
        num(w.concurrency), num(w.jobs_processed), num(w.jobs_failed), num(w.jobs_dead),
        el('td', { class: 'num', text: Number(w.average_processing_time || 0).toFixed(1) }),
        el('td', { class: 'num', text: ((w.memory_usage && w.memory_usage.rss_bytes) / 1048576 || 0).toFixed(1) }),
        el('td', { class: 'num', text: Number(w.cpu_seconds || 0).toFixed(1) }),
        el('td', { class: 'num', text: age(w.uptime) }),
        el('td', { class: 'num', text: age((now - w.last_seen_ms) / 1000) + ' ago' }),
        el('td', { class: 'mono', text: (w.queues || []).join(', ') }))),
      'No live workers: start one with `postwork worker`.'));
  },
};

pages.jobs = {
  mount(main, params) {
    this.params = params;
    const field = (label, input) => el('label', {}, label, input);
    this.form = el('form', { class: 'search', testid: 'jobs-search' });
    this.id = el('input', { name: 'id', placeholder: 'exact job id', testid: 'search-id' });
    this.queue = el('select', { name: 'queue', testid: 'search-queue' }, el('option', { value: '', text: 'any queue' }));
    this.status = el('select', { name: 'status', testid: 'search-status' }, el('option', { value: '', text: 'any status' }),
      STATUSES.map((s) => el('option', { value: s, text: s })));
    this.tenant = el('input', { name: 'tenant', placeholder: 'tenant id', testid: 'search-tenant' });
    this.limit = el('input', { name: 'limit', type: 'number', min: 1, max: 1000, value: params.get('limit') || 50 });
    this.form.append(field('Job id', this.id), field('Queue', this.queue), field('Status', this.status),
      field('Tenant', this.tenant), field('Limit', this.limit), el('button', { type: 'submit', text: 'Search' }));
    this.status.value = params.get('status') || '';
    this.tenant.value = params.get('tenant') || '';
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const id = this.id.value.trim();
      if (id) { location.hash = '#/jobs/' + encodeURIComponent(id); return; }
      const q = new URLSearchParams();
      for (const [k, v] of [['queue', this.queue.value], ['status', this.status.value], ['tenant', this.tenant.value.trim()], ['limit', this.limit.value]]) if (v) q.set(k, v);
      location.hash = '#/jobs?' + q.toString();
    });
    this.results = el('div', { testid: 'jobs-table' });
    main.append(el('h1', { text: 'Jobs' }), el('div', { class: 'panel' }, this.form, this.results));
    api('/api/queues').then((queues) => {
      for (const q of queues) this.queue.append(el('option', { value: q.queue, text: q.queue }));
      this.queue.value = params.get('queue') || '';
    }).catch(() => {});
  },
  async refresh() {
    const q = new URLSearchParams();
    for (const k of ['queue', 'status', 'tenant', 'limit']) if (this.params.get(k)) q.set(k, this.params.get(k));
    const jobs = await api('/api/jobs?' + q.toString());
    this.results.replaceChildren(jobsTable(jobs, 'No job matches.'));
  },
};

function jobsTable(jobs, emptyText, actions) {
  return table(['Id', 'Queue', 'Status', { text: 'Attempts', num: 1 }, 'Tenant', 'Updated', 'Last error'].concat(actions ? ['Actions'] : []),
    jobs.map((j) => el('tr', { testid: 'job-row' },
      el('td', {}, el('a', { href: '#/jobs/' + encodeURIComponent(j.id), class: 'mono', text: j.id })),
      el('td', { class: 'mono', text: j.queue }),
      el('td', {}, statusBadge(j.status)),
      el('td', { class: 'num', text: j.attempt_count + ' / ' + j.max_attempts }),
      el('td', { text: j.tenant_id || '-' }),
      el('td', { text: when(j.updated_at) }),
      el('td', { class: 'error-text', text: j.last_error || '' }),
      actions ? el('td', {}, actions(j)) : null)),
    emptyText);
}

pages.job = {
  mount(main, params, id) {
    this.id = id;
    this.header = el('div', { class: 'toolbar' });
    this.body = el('div', { testid: 'job-detail' });
    main.append(this.header, this.body);
  },
  async refresh() {
    let j;
    try {
      j = await api('/api/jobs/' + encodeURIComponent(this.id));
    } catch (e) {
      if (e.status !== 404) throw e;
      this.header.replaceChildren(el('h1', { text: 'Job ' + this.id }));
      this.body.replaceChildren(el('div', { class: 'panel empty', text: 'No job with this id (deleted, or never existed).' }));
      return;
    }
    const reload = () => this.refresh().catch((e) => flash(e.message, true));
    const path = '/api/jobs/' + encodeURIComponent(j.id);
    const buttons = el('div', { class: 'actions' },
      j.status === 'failed' ? el('button', { testid: 'retry', text: 'Retry', on: { click: async () => { await act('Retry', path + '/retry'); reload(); } } }) : null,
      ['queued', 'retry_scheduled'].includes(j.status) ? el('button', { class: 'secondary', testid: 'cancel', text: 'Cancel', on: { click: async () => { await act('Cancel', path + '/cancel'); reload(); } } }) : null,
      ['completed', 'failed'].includes(j.status) ? el('button', { class: 'danger', testid: 'delete', text: 'Delete', on: { click: async () => {
        if (confirm('Delete job ' + j.id + ' for good?') && await act('Delete', path, 'DELETE')) location.hash = '#/jobs';
      } } }) : null);
    this.header.replaceChildren(el('h1', {}, 'Job ', el('span', { class: 'mono', text: j.id }), ' ', statusBadge(j.status)), buttons);
    const dl = (pairs) => el('dl', { class: 'fields' }, pairs.map(([k, v]) => [el('dt', { text: k }), el('dd', { text: v === '' || v === null || v === undefined ? '-' : v })]));
    const redis = j.redis || {};
    this.body.replaceChildren(...[
      el('div', { class: 'charts' },
        el('div', { class: 'panel' }, el('h2', { text: 'Job' }), dl([
          ['Queue', j.queue], ['Status', j.status], ['Attempts', j.attempt_count + ' of ' + j.max_attempts],
          ['Tenant', j.tenant_id], ['Idempotency key', j.idempotency_key], ['Worker', j.worker_id],
          ['Created', when(j.created_at)], ['Run at', when(j.run_at)], ['Started', when(j.started_at)],
          ['Finished', when(j.completed_at)], ['Updated', when(j.updated_at)]])),
        el('div', { class: 'panel' }, el('h2', { text: 'Redis state' }),
          Object.keys(redis).length ? dl(Object.entries(redis).sort().map(([k, v]) => [k, redisValue(k, v)]))
            : el('div', { class: 'empty', text: 'Redis holds nothing for this job (its record expired).' }))),
      j.last_error ? el('div', { class: 'panel' }, el('h2', { text: 'Last error' }), el('div', { class: 'error-text', testid: 'last-error', text: j.last_error })) : null,
      el('div', { class: 'panel' }, el('h2', { text: 'Payload' }), el('pre', { class: 'payload', testid: 'payload', text: pretty(j.payload) })),
      j.result !== null && j.result !== undefined ? el('div', { class: 'panel' }, el('h2', { text: 'Result' }), el('pre', { class: 'payload', text: pretty(j.result) })) : null,
      el('div', { class: 'panel' }, el('h2', { text: 'Attempts' }), table(
        [{ text: '#', num: 1 }, 'Status', 'Worker', 'Started', 'Finished', { text: 'Duration', num: 1 }, 'Error'],
        (j.executions || []).map((e) => el('tr', { testid: 'execution-row' },
          el('td', { class: 'num', text: e.attempt }), el('td', {}, statusBadge(e.status)), el('td', { class: 'mono', text: e.worker_id }),
          el('td', { text: when(e.started_at) }), el('td', { text: when(e.finished_at) }),
          el('td', { class: 'num', text: e.duration_ms + ' ms' }), el('td', { class: 'error-text', text: e.error || '' }))),
        'No attempt has finished yet.'))].filter(Boolean));
  },
};

// Redis keeps times as epoch milliseconds: show them as local times too.
function redisValue(key, value) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/_at$/.test(key) && /^\d{12,}$/.test(text)) return new Date(Number(text)).toLocaleString() + '  (' + text + ')';
  return text;
}

pages.dead = {
  mount(main, params) {
    this.params = params;
    this.count = el('span', { testid: 'dead-count' });
    this.retryAll = el('button', { testid: 'retry-all', text: 'Retry all', on: { click: async () => {
      if (!confirm('Retry every dead job' + (params.get('queue') ? ' of ' + params.get('queue') : '') + '?')) return;
      await act('Retry all', '/api/dlq/retry-all' + (params.get('queue') ? '?queue=' + encodeURIComponent(params.get('queue')) : ''));
      this.refresh().catch(() => {});
    } } });
    this.list = el('div', { testid: 'dead-table' });
    main.append(el('div', { class: 'toolbar' }, el('h1', {}, 'Dead letters ', this.count), this.retryAll), el('div', { class: 'panel' }, this.list));
  },
  async refresh() {
    const q = new URLSearchParams({ status: 'failed', limit: '200' });
    if (this.params.get('queue')) q.set('queue', this.params.get('queue'));
    const jobs = await api('/api/jobs?' + q.toString());
    this.count.textContent = '(' + jobs.length + (jobs.length === 200 ? '+' : '') + ')';
    this.retryAll.disabled = jobs.length === 0;
    this.list.replaceChildren(jobsTable(jobs, 'No dead letters.', (j) => {
      const path = '/api/jobs/' + encodeURIComponent(j.id);
      return el('div', { class: 'actions' },
        el('button', { testid: 'retry-one', text: 'Retry', on: { click: async () => { await act('Retry ' + j.id, path + '/retry'); this.refresh().catch(() => {}); } } }),
        el('button', { class: 'danger', testid: 'delete-one', text: 'Delete', on: { click: async () => {
          if (confirm('Delete job ' + j.id + ' for good?')) { await act('Delete ' + j.id, path, 'DELETE'); this.refresh().catch(() => {}); }
        } } }));
    }));
  },
};

pages.campaigns = {
  mount(main) {
    this.list = el('div', { testid: 'campaigns' });
    main.append(el('h1', { text: 'Campaigns' }), el('div', { class: 'panel' }, this.list));
  },
  async refresh() {
    const c = await api('/api/campaigns');
    if (!c.available) {
      this.list.replaceChildren(el('div', { class: 'empty', text: 'No campaigns yet: the email schema (campaigns table) has not been migrated into this database.' }));
      return;
    }
    const columns = c.campaigns.length ? Object.keys(c.campaigns[0]) : [];
    this.list.replaceChildren(table(columns, c.campaigns.map((row) => el('tr', {},
      columns.map((k) => el('td', { text: row[k] === null ? '-' : (typeof row[k] === 'object' ? JSON.stringify(row[k]) : row[k]) })))), 'No campaigns yet.'));
  },
};

// ---- router and live refresh ----------------------------------------------

let current = null;
let timer = null;

function route() {
  const hash = location.hash.replace(/^#/, '') || '/overview';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  let name = parts[0] || 'overview';
  let arg = null;
  if (name === 'jobs' && parts.length > 1) { name = 'job'; arg = decodeURIComponent(parts.slice(1).join('/')); }
  if (!pages[name]) name = 'overview';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === (name === 'job' ? 'jobs' : name));
  clearTimeout(timer);
  const main = document.getElementById('main');
  main.replaceChildren();
  const page = Object.create(pages[name]);
  page.mount(main, params, arg);
  document.title = 'postwork · ' + (name === 'job' ? 'job ' + arg : name);
  current = page;
  tick(page);
}

async function tick(page) {
  if (page !== current) return;
  // Looked up after the refresh: the document may be unloading by then (a
  // navigation while a request was in flight), and then there is nothing to update.
  const setLive = (stale, text) => {
    const live = document.getElementById('live');
    if (!live) return;
    live.classList.toggle('stale', stale);
    live.textContent = text;
  };
  try {
    await page.refresh();
    setLive(false, 'live');
  } catch (e) {
    setLive(true, 'retrying: ' + e.message);
  }
  if (page === current) timer = setTimeout(() => tick(page), REFRESH_MS);
}

document.getElementById('token').value = token();
document.getElementById('token').addEventListener('input', (ev) => sessionStorage.setItem('postwork-token', ev.target.value));
document.getElementById('token-form').addEventListener('submit', (ev) => ev.preventDefault());
window.addEventListener('hashchange', route);
route();
