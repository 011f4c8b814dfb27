// The banner under the header: "Last updated 10:42 — offline" when data came from the cache, or an error.
import { t, language } from './i18n.js';
import { clock } from './format.js';
import { ApiError } from './api.js';

const banner = () => document.getElementById('status');
let offline = !navigator.onLine;
let shownAt = null;

window.addEventListener('online', () => { offline = false; if (shownAt !== null) stale(shownAt); });
window.addEventListener('offline', () => { offline = true; if (shownAt !== null) stale(shownAt); });

/** Data on screen was fetched at `cachedAt` (ms); say so, and whether we are offline. */
export function stale(cachedAt, { isOffline } = {}) {
  if (isOffline) offline = true;
  shownAt = cachedAt;
  const el = banner();
  const text = t('stale.updated', { time: clock(cachedAt, language()) });
  el.textContent = offline ? `${text} — ${t('stale.offline')}` : text;
  el.classList.remove('error');
  el.dataset.state = offline ? 'offline' : 'stale';
  el.hidden = false;
}

/** The data on screen is fresh: no banner. */
export function fresh() {
  offline = false;
  shownAt = null;
  const el = banner();
  el.hidden = true;
  el.textContent = '';
  delete el.dataset.state;
}

export function error(message) {
  const el = banner();
  el.textContent = message;
  el.classList.add('error');
  el.dataset.state = 'error';
  el.hidden = false;
}

export function clear() {
  fresh();
}

/** A message a member can act on, in their language when we know the failure. */
export function describe(error) {
  if (error instanceof ApiError) {
    if (error.offline) return t('error.offline');
    return error.problem.detail || t('error.generic');
  }
  if (error instanceof TypeError) return t('error.offline');
  return t('error.generic');
}
