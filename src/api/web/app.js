// The VexFS live page: plain JS, no build step. Reads the API of the server that serves it.
// Token: from the URL fragment (#token=...), else localStorage; none needed when auth is off.

const KINDS = ['fs', 'vector', 'semantic', 'system'];
const HISTORY_SEC = 60;
const MAX_ROWS = 100;
const $ = (sel) => document.querySelector(sel);

const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) { localStorage.setItem('vexfs-token', fromHash); history.replaceState(null, '', location.pathname); }
let token = localStorage.getItem('vexfs-token') || '';

async function api(path, init = {}) {
  const headers = { ...(init.body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const res = await fetch(path, { ...init, headers });
  const body = res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text();
  if (!res.ok) throw Object.assign(new Error(body?.message || res.statusText), { status: res.status, code: body?.code });
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (k === 'class') e.className = v; else e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function fill(list, items, emptyText) {
  list.replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, emptyText)]));
}

const timeOf = (tsMicros) => new Date(Math.floor(tsMicros / 1000)).toLocaleTimeString();

// ---- event rate by kind: per-second counts of the live stream, drawn on a canvas
const perSecond = new Map(); // second -> {fs, vector, ...}
function countRate(kind) {
  const sec = Math.floor(Date.now() / 1000);
  const b = perSecond.get(sec) ?? Object.fromEntries(KINDS.map((k) => [k, 0]));
  b[kind] = (b[kind] ?? 0) + 1;
  perSecond.set(sec, b);
}
const rateBoxes = Object.fromEntries(KINDS.map((k) => {
  const b = el('b', { id: `rate-${k}`, class: `k-${k}` }, '0');
  $('#rates').append(el('div', { class: 'rate' }, b, el('span', {}, `${k}/s`)));
  return [k, b];
}));
function drawRates() {
  const now = Math.floor(Date.now() / 1000);
  for (const s of perSecond.keys()) if (s <= now - HISTORY_SEC) perSecond.delete(s);
  const series = KINDS.map((k) => Array.from({ length: HISTORY_SEC }, (_, i) => perSecond.get(now - HISTORY_SEC + 1 + i)?.[k] ?? 0));
  // the last full second is the current rate (the current second is still filling)
  KINDS.forEach((k, i) => { rateBoxes[k].textContent = String(series[i][HISTORY_SEC - 2]); });
  const c = $('#rate-chart');
  const w = (c.width = c.clientWidth * devicePixelRatio);
  const h = (c.height = 160 * devicePixelRatio);
  const g = c.getContext('2d');
  const max = Math.max(1, ...series.flat());
  g.clearRect(0, 0, w, h);
  g.strokeStyle = '#2a3340';
  g.beginPath(); g.moveTo(0, h - 1); g.lineTo(w, h - 1); g.stroke();
  g.fillStyle = '#8a94a3'; g.font = `${11 * devicePixelRatio}px system-ui`; g.fillText(`${max}/s`, 4, 12 * devicePixelRatio);
  const style = getComputedStyle(document.documentElement);
  KINDS.forEach((k, i) => {
    g.strokeStyle = style.getPropertyValue(`--${k}`).trim();
    g.lineWidth = 2 * devicePixelRatio;
    g.beginPath();
    series[i].slice(0, -1).forEach((v, x) => {
      const px = (x / (HISTORY_SEC - 2)) * w;
      const py = h - 2 - (v / max) * (h - 20 * devicePixelRatio);
      x === 0 ? g.moveTo(px, py) : g.lineTo(px, py);
    });
    g.stroke();
  });
}

// ---- recent events
let paused = false;
$('#pause').addEventListener('click', (e) => { paused = !paused; e.target.textContent = paused ? 'Resume' : 'Pause'; });
const shownKinds = () => new Set([...document.querySelectorAll('input[name=kind]:checked')].map((i) => i.value));
function showEvent(ev) {
  if (paused || !shownKinds().has(ev.kind)) return;
  const p = ev.payload ?? {};
  const path = p.path ?? (p.collection ? `${p.collection}${p.ids?.length ? ': ' + p.ids.slice(0, 3).join(', ') : ''}` : ev.key);
  const failed = (p.errno ?? 0) !== 0 || p.errorCode;
  const result = ev.kind === 'fs' ? (p.errno ? `errno ${p.errno}` : String(p.result ?? 'ok'))
    : ev.kind === 'semantic' ? (p.anomalyType ? `${p.anomalyType} ${p.severity ?? ''}` : p.type)
    : ev.kind === 'vector' ? (p.errorCode ?? 'ok') : (p.message ?? '');
  const row = el('tr', { 'data-kind': ev.kind },
    el('td', {}, timeOf(ev.ts)), el('td', {}, ev.seq), el('td', { class: `k-${ev.kind}` }, ev.kind),
    el('td', {}, ev.op), el('td', { class: 'path' }, path ?? ''), el('td', { class: failed ? 'err' : '' }, result));
  const body = $('#events tbody');
  body.prepend(row);
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}

// ---- anomalies
const anomalies = new Map(); // id -> anomaly
function anomalyItem(a) {
  const sev = a.severity ?? 'info';
  return el('li', { 'data-id': a.id },
    el('span', { class: `sev-${sev}` }, `${sev.toUpperCase()} `), el('b', {}, a.anomalyType ?? 'anomaly'),
    ` score ${Number(a.score).toFixed(2)} · ${timeOf(a.ts)}`,
    a.group ? ` · ${a.dimension || 'group'} ${a.group}` : '',
    a.topPaths?.length ? el('div', { class: 'hint' }, a.topPaths.slice(0, 3).join(', ')) : '');
}
function renderAnomalies() {
  const list = [...anomalies.values()].sort((a, b) => b.ts - a.ts).slice(0, 50);
  fill($('#anomalies'), list.map(anomalyItem), 'none yet');
  $('#anomaly-count').textContent = anomalies.size ? `${anomalies.size} recent` : '';
}
function anomalyFromEvent(ev) {
  const p = ev.payload;
  return { id: ev.id, ts: ev.ts, anomalyType: p.anomalyType, severity: p.severity, score: p.score, group: p.group, dimension: p.dimension, topPaths: p.topPaths };
}
async function loadAnomalies() {
  const { anomalies: list } = await api('/anomalies?limit=50');
  for (const a of list) anomalies.set(a.id, a);
  renderAnomalies();
}

// ---- top paths
async function loadStats() {
  const s = await api('/stats');
  fill($('#top-paths'), s.topPaths.map((t) => el('li', {}, el('span', {}, t.path), el('span', { class: 'hint' }, ` ${t.count}`))), 'no file activity');
}

// ---- similar files
async function loadCollections() {
  const { collections } = await api('/collections');
  const sel = $('#search-collection');
  const current = sel.value;
  sel.replaceChildren(...collections.map((c) => el('option', { value: c.name }, `${c.name} (${c.count})`)));
  if (collections.some((c) => c.name === current)) sel.value = current;
}
$('#search-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const err = $('#search-error');
  err.hidden = true;
  const collection = $('#search-collection').value;
  const q = $('#search-query').value.trim();
  const k = Number($('#search-k').value) || 5;
  try {
    if (!collection) throw new Error('no collection yet');
    // a path searches "files like this one" (its stored vector); anything else is searched as text
    const body = q.startsWith('/') ? { id: q, k } : { text: q, k };
    const res = await api(`/collections/${encodeURIComponent(collection)}/search`, { method: 'POST', body: JSON.stringify(body) });
    fill($('#search-results'), res.hits.map((h) => el('li', {}, el('span', {}, h.id), el('span', { class: 'hint' }, ` ${h.distance.toFixed(4)}`))), 'no similar files');
  } catch (ex) {
    err.textContent = `${ex.code ? ex.code + ': ' : ''}${ex.message}`;
    err.hidden = false;
  }
});

// ---- live stream
let source = null;
function connect() {
  source?.close();
  const status = $('#stream-status');
  source = new EventSource(`/events/stream${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  source.addEventListener('ready', () => { status.textContent = 'stream: live'; status.className = 'pill on'; });
  source.addEventListener('dropped', (m) => { status.textContent = `stream: live (${JSON.parse(m.data).dropped} dropped)`; });
  source.onerror = () => { status.textContent = 'stream: reconnecting'; status.className = 'pill off'; };
  source.onmessage = (m) => {
    const ev = JSON.parse(m.data);
    countRate(ev.kind);
    showEvent(ev);
    if (ev.kind === 'semantic' && ev.payload?.type === 'anomaly') { anomalies.set(ev.id, anomalyFromEvent(ev)); renderAnomalies(); }
  };
}

async function checkReady() {
  const r = await fetch('/ready').then((res) => res.json()).catch(() => ({ ready: false, message: 'unreachable' }));
  const pill = $('#ready-status');
  pill.textContent = r.ready ? 'ready' : `not ready${r.message ? ': ' + r.message.replace(/^not ready: /, '') : ''}`;
  pill.className = `pill ${r.ready ? 'on' : 'off'}`;
}

const every = (ms, fn) => { const run = () => fn().catch(() => {}); run(); return setInterval(run, ms); };

async function start() {
  try {
    const { role } = await api('/auth/whoami');
    $('#role').textContent = `role: ${role}`;
    $('#token-form').hidden = true;
  } catch (e) {
    if (e.status === 401) {
      $('#token-form').hidden = false;
      $('#role').textContent = e.message;
      return;
    }
    throw e;
  }
  connect();
  every(2000, loadStats);
  every(3000, loadAnomalies);
  // listing collections is itself a vector operation (an event): load on start and when the picker is opened, not on a timer
  loadCollections().catch(() => {});
  $('#search-collection').addEventListener('focus', () => loadCollections().catch(() => {}));
  every(5000, checkReady);
  setInterval(drawRates, 1000);
  drawRates();
}

$('#token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('#token-input').value.trim();
  localStorage.setItem('vexfs-token', token);
  start();
});

start();
