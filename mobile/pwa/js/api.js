// The member API client: bearer tokens with one refresh on 401, problem details as ApiError, and the
// service worker's "fresh data arrived" / "still offline" messages for the views on screen.

const TOKENS = 'ibimina.tokens';
const CACHED_AT = 'X-Ibimina-Cached-At';
const FRESH = 'X-Ibimina-Fresh';

let base = '';
let refreshing = null;
const listeners = new Map(); // absolute URL -> Set of callbacks
// The worker's latest word on a GET that no view was listening for yet: its fresh answer can come before the
// view that drew the cached one has subscribed. Cleared when a new GET of that URL starts.
const unheard = new Map(); // absolute URL -> message
const signedOutHandlers = new Set();

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.offline = status === 503 && this.problem.title === 'Offline';
  }
}

/** Where the API lives: this origin for the PWA, the configured server inside the native shell. */
export async function configure() {
  try {
    const config = await (await fetch(new URL('../config.json', import.meta.url))).json();
    const native = Boolean(window.Capacitor && window.Capacitor.isNativePlatform && window.Capacitor.isNativePlatform());
    base = ((native ? config.nativeApiBase : config.apiBase) || '').replace(/\/$/, '');
  } catch {
    base = '';
  }
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', (event) => onWorkerMessage(event.data || {}));
  }
}

export function url(path) {
  return new URL(base + path, window.location.href).href;
}

export function tokens() {
  try {
    return JSON.parse(localStorage.getItem(TOKENS) || 'null');
  } catch {
    return null;
  }
}

export function signedIn() {
  const saved = tokens();
  return Boolean(saved && saved.refresh);
}

export function saveTokens(answer) {
  localStorage.setItem(TOKENS, JSON.stringify({
    access: answer.access_token, refresh: answer.refresh_token, expiresAt: Date.now() + answer.expires_in * 1000,
  }));
}

export function onSignedOut(fn) {
  signedOutHandlers.add(fn);
}

/** Forget the tokens and every cached answer (the next person on this phone sees nothing of ours). */
export async function forget() {
  localStorage.removeItem(TOKENS);
  localStorage.removeItem(KEPT);
  listeners.clear();
  if ('caches' in window) await caches.delete('ibimina-api-v1');
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (worker) worker.postMessage({ type: 'forget-api' });
}

export async function signOut() {
  const saved = tokens();
  if (saved && saved.refresh) {
    try {
      await send('POST', '/api/v1/auth/logout', { body: { refresh_token: saved.refresh }, auth: false });
    } catch { /* offline: the refresh token expires on its own; forget it here anyway */ }
  }
  await forget();
  for (const fn of signedOutHandlers) fn();
}

async function raw(method, path, { body, auth = true, fresh = false, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const saved = tokens();
  if (auth && saved && saved.access) headers.Authorization = `Bearer ${saved.access}`;
  if (fresh) headers[FRESH] = '1';
  return fetch(url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const saved = tokens();
      if (!saved || !saved.refresh) return false;
      const response = await raw('POST', '/api/v1/auth/refresh', { body: { refresh_token: saved.refresh }, auth: false });
      if (response.ok) {
        saveTokens(await response.json());
        return true;
      }
      if (response.status >= 400 && response.status < 500) {
        await forget();
        for (const fn of signedOutHandlers) fn();
      }
      return false;
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText, status: response.status };
  }
}

/** One call; a 401 with a session trades the refresh token once and tries again. */
export async function send(method, path, options = {}) {
  let response = await raw(method, path, options);
  if (response.status === 401 && options.auth !== false && signedIn()) {
    if (await refresh()) response = await raw(method, path, { ...options, fresh: true });
  }
  return response;
}

/** JSON of a GET, and when it was cached when the service worker answered from its cache (else null). */
export async function get(path, options = {}) {
  unheard.delete(url(path));
  let response;
  try {
    response = await send('GET', path, options);
  } catch (error) {
    const kept = remembered(path); // no service worker (the native shell): the last answer we kept
    if (kept) return kept;
    throw error;
  }
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const stamp = response.headers.get(CACHED_AT);
  const data = await response.json();
  if (!stamp) remember(path, data);
  return { data, cachedAt: stamp ? Number(stamp) : null };
}

// Where no service worker controls the page (the Capacitor WebView), keep the last answers of the screens
// in localStorage instead, so the app still opens with the last data and says how old it is.
const KEPT = 'ibimina.kept';
const KEEP_AT_MOST = 30;

function workerControls() {
  return Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
}

function remember(path, data) {
  if (workerControls()) return;
  try {
    const kept = JSON.parse(localStorage.getItem(KEPT) || '{}');
    kept[path] = { data, at: Date.now() };
    const paths = Object.keys(kept).sort((a, b) => kept[b].at - kept[a].at).slice(0, KEEP_AT_MOST);
    localStorage.setItem(KEPT, JSON.stringify(Object.fromEntries(paths.map((p) => [p, kept[p]]))));
  } catch { /* storage full: the app simply has no offline copy */ }
}

function remembered(path) {
  try {
    const hit = JSON.parse(localStorage.getItem(KEPT) || '{}')[path];
    return hit ? { data: hit.data, cachedAt: hit.at } : null;
  } catch {
    return null;
  }
}

export async function post(path, body, options = {}) {
  return json('POST', path, body, options);
}

export async function patch(path, body, options = {}) {
  return json('PATCH', path, body, options);
}

async function json(method, path, body, options) {
  const response = await send(method, path, { ...options, body });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.status === 204 ? null : response.json();
}

/** A binary download (the statement PDF) as a Blob. */
export async function download(path, accept) {
  const response = await send('GET', path, { accept });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  return response.blob();
}

/**
 * Call fn({data}) when the service worker brings a fresher answer for this GET, fn({offline: true}) when it
 * could not reach us. Returns an unsubscribe function; views subscribe while they are on screen.
 */
export function subscribe(path, fn) {
  const key = url(path);
  if (!listeners.has(key)) listeners.set(key, new Set());
  listeners.get(key).add(fn);
  const early = unheard.get(key);
  if (early) {
    unheard.delete(key);
    deliver(early, [fn]);
  }
  return () => listeners.get(key) && listeners.get(key).delete(fn);
}

export function unsubscribeAll() {
  listeners.clear();
  unheard.clear();
}

async function onWorkerMessage(message) {
  const fns = listeners.get(message.url);
  if (!fns || fns.size === 0) {
    if (message.url) unheard.set(message.url, message);
    return;
  }
  await deliver(message, fns);
}

async function deliver(message, fns) {
  if (message.type === 'api-offline') {
    for (const fn of fns) fn({ offline: true });
  } else if (message.type === 'api-updated' && message.status === 200 && message.body) {
    const data = JSON.parse(message.body);
    for (const fn of fns) fn({ data });
  } else if (message.type === 'api-updated' && message.status === 401 && signedIn()) {
    if (await refresh()) {
      const path = message.url.slice(url('/').length - 1);
      const response = await raw('GET', path, { fresh: true });
      if (response.ok) {
        const data = await response.json();
        for (const fn of fns) fn({ data });
      }
    }
  }
}
