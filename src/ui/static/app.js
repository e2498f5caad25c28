// The dashboard's shell: settings (admin token, tenant), hash routes
// (#/customers, #/accounts, #/accounts/<id>, #/journal,
// #/controls) and the status line.

import { showAccount, showAccounts } from './accounts.js';
import { onApiError, saveSettings, settings } from './api.js';
import { showControls } from './controls.js';
import { showCustomers } from './directory.js';
import { showJournal } from './journal.js';

const view = document.getElementById('view');
const status = document.getElementById('status');
const form = document.getElementById('settings');
let stopCurrent = () => {};

function setStatus(message, bad = true) {
  status.hidden = !message;
  status.textContent = message ?? '';
  status.className = bad ? 'bad' : 'ok';
}

onApiError((err) => setStatus(err.message));

form.elements.token.value = settings().token;
form.elements.tenant.value = settings().tenant;
form.addEventListener('submit', (e) => {
  e.preventDefault();
  saveSettings({ token: form.elements.token.value.trim(), tenant: form.elements.tenant.value.trim() });
  route();
});

async function route() {
  stopCurrent();
  stopCurrent = () => {};
  setStatus(undefined);
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, queryString = ''] = hash.split('?');
  const query = new URLSearchParams(queryString);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => safeDecode(p));
  const tab = parts[0] ?? 'accounts';
  for (const a of document.querySelectorAll('#tabs a[data-tab]')) a.classList.toggle('active', a.dataset.tab === tab);
  view.setAttribute('aria-busy', 'true');
  try {
    if (tab === 'journal') stopCurrent = showJournal(view);
    else if (tab === 'controls') showControls(view);
    else if (tab === 'customers') await showCustomers(view, { offset: Number(query.get('offset') ?? 0) });
    else if (parts[1] !== undefined) await showAccount(view, parts[1]);
    else await showAccounts(view, { offset: Number(query.get('offset') ?? 0) });
  } catch (err) {
    view.replaceChildren();
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = `Could not load this view: ${err.message}`;
    view.append(p);
  } finally {
    view.setAttribute('aria-busy', 'false');
  }
}

/** A hand-typed "#/accounts/50%" must not break the page. */
function safeDecode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

window.addEventListener('hashchange', route);
route();
