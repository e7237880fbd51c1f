// The admin status page: polls /admin/summary and /admin/allocations with the admin token every two
// seconds and shows them, with rates worked out between two polls. It only reads; ending an
// allocation stays with the API (DELETE /admin/allocations/{id}).
const pollMilliseconds = 2000;
const tokenKey = 'turnserver-admin-token';
let previous = null;
let timer = null;

const byId = id => document.getElementById(id);

function showError(message) {
  const error = byId('error');
  error.textContent = message;
  error.hidden = message === '';
}

async function read(path, token) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (response.status === 401) {
    throw new Error('The admin token was refused.');
  }
  if (!response.ok) {
    throw new Error(`${path} answered ${response.status}.`);
  }
  return response.json();
}

function perSecond(now, before, seconds) {
  return seconds > 0 ? Math.max(0, now - before) / seconds : 0;
}

function setText(id, value) {
  byId(id).textContent = String(value);
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = String(cell);
    tr.append(td);
  }
  return tr;
}

function render(summary, allocations, at) {
  setText('version', summary.version);
  const state = byId('state');
  state.textContent = summary.draining ? 'Draining: new allocations are refused.' : 'Serving.';
  state.className = summary.draining ? 'draining' : '';
  setText('allocations', summary.allocations);
  setText('permissions', summary.permissions);
  setText('channels', summary.channels);
  setText('uptime', summary.uptimeSeconds);
  setText('allocations-created', summary.allocationsCreated);
  setText('auth-failures', summary.authenticationFailures);

  const seconds = previous ? (at - previous.at) / 1000 : 0;
  if (previous) {
    const before = previous.summary;
    setText('packets-to-peer-rate', perSecond(summary.packetsToPeer, before.packetsToPeer, seconds).toFixed(1));
    setText('packets-to-client-rate', perSecond(summary.packetsToClient, before.packetsToClient, seconds).toFixed(1));
    setText('kbits-to-peer-rate', (perSecond(summary.bytesToPeer, before.bytesToPeer, seconds) * 8 / 1000).toFixed(1));
    setText('kbits-to-client-rate', (perSecond(summary.bytesToClient, before.bytesToClient, seconds) * 8 / 1000).toFixed(1));
  }

  const drops = byId('drops').tBodies[0];
  drops.replaceChildren(...Object.entries(summary.drops)
    .filter(([, total]) => total > 0)
    .map(([reason, total]) => {
      const rate = previous ? perSecond(total, previous.summary.drops[reason] ?? 0, seconds).toFixed(1) : '-';
      const tr = row([reason, total, rate]);
      tr.dataset.reason = reason;
      return tr;
    }));

  byId('allocation-list').tBodies[0].replaceChildren(...allocations.map(a => {
    const tr = row([a.id, a.user, a.client, a.transport, a.relayed.join(' '), a.ageSeconds, a.expiresInSeconds,
      a.permissions, a.channels, a.packetsToPeer, a.packetsToClient]);
    tr.dataset.id = String(a.id);
    return tr;
  }));
  previous = { summary, at };
  document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
}

async function poll(token) {
  try {
    const [summary, allocations] = await Promise.all([read('summary', token), read('allocations', token)]);
    render(summary, allocations, performance.now());
    showError('');
    byId('status').hidden = false;
    timer = setTimeout(() => poll(token), pollMilliseconds);
  } catch (error) {
    showError(error.message);
    byId('status').hidden = true;
    sessionStorage.removeItem(tokenKey);
  }
}

function start(token) {
  clearTimeout(timer);
  previous = null;
  sessionStorage.setItem(tokenKey, token);
  poll(token);
}

byId('login').addEventListener('submit', event => {
  event.preventDefault();
  start(byId('token').value);
});

const remembered = sessionStorage.getItem(tokenKey);
if (remembered) {
  start(remembered);
}
