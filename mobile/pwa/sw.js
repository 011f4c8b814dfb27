/* Ibimina service worker: cache-first for the app shell, stale-while-revalidate for the member API's GETs.
 * The server replaces __SHELL_VERSION__ with a hash of the shell files, so a changed shell installs anew. */
const VERSION = '__SHELL_VERSION__';
const SHELL_CACHE = `ibimina-shell-${VERSION}`;
const API_CACHE = 'ibimina-api-v1';
const CACHED_AT = 'X-Ibimina-Cached-At';
const FRESH = 'X-Ibimina-Fresh';

// Every file the app needs to open offline (tests/unit/mobile/test_pwa_files.py keeps this list whole).
const SHELL = [
  './',
  'index.html',
  'manifest.webmanifest',
  'config.json',
  'css/app.css',
  'js/main.js',
  'js/api.js',
  'js/dom.js',
  'js/format.js',
  'js/i18n.js',
  'js/status.js',
  'js/live.js',
  'js/views/login.js',
  'js/views/home.js',
  'js/views/history.js',
  'js/views/pay.js',
  'js/views/loans.js',
  'js/views/more.js',
  'i18n/rw.json',
  'i18n/en.json',
  'i18n/fr.json',
  'icons/icon.svg',
  'icons/icon-192.png',
  'icons/icon-512.png',
  'icons/maskable-512.png',
];

// API GETs that are never cached: the OpenAPI document and binary downloads.
const UNCACHED_API = [/\/api\/v1\/openapi\.json$/, /\.pdf$/];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith('ibimina-shell-') && key !== SHELL_CACHE).map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'forget-api') {
    event.waitUntil(caches.delete(API_CACHE)); // signed out: nobody else may see this member's data
  }
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/v1/')) {
    if (UNCACHED_API.some((re) => re.test(url.pathname))) return;
    event.respondWith(staleWhileRevalidate(event));
    return;
  }
  const scope = new URL(self.registration.scope).pathname;
  if (request.mode === 'navigate' && url.pathname.startsWith(scope)) {
    event.respondWith(shellFirst(scope + 'index.html', request));
    return;
  }
  if (url.pathname.startsWith(scope)) {
    event.respondWith(shellFirst(request, request));
  }
});

/** The cached shell file, else the network (and remember it). */
async function shellFirst(key, request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(key, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
  return response;
}

/** The last answer at once (marked with when it was fetched), and a fresh one posted to the page when it comes. */
async function staleWhileRevalidate(event) {
  const request = event.request;
  const cache = await caches.open(API_CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(request, await stamped(response.clone()));
    return response;
  });
  if (cached && !request.headers.has(FRESH)) {
    event.waitUntil(
      network
        .then(async (response) => tell(event, {
          type: 'api-updated', url: request.url, status: response.status,
          body: response.ok ? await response.clone().text() : null,
        }))
        .catch(() => tell(event, { type: 'api-offline', url: request.url })),
    );
    return cached;
  }
  try {
    return await network;
  } catch (error) {
    if (cached) return cached;
    return new Response(JSON.stringify({
      type: 'about:blank', title: 'Offline', status: 503, detail: 'No connection and nothing saved yet.',
    }), { status: 503, headers: { 'Content-Type': 'application/problem+json', 'X-Ibimina-Offline': '1' } });
  }
}

async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set(CACHED_AT, String(Date.now()));
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

async function tell(event, message) {
  const client = event.clientId ? await self.clients.get(event.clientId) : null;
  const targets = client ? [client] : await self.clients.matchAll({ type: 'window' });
  for (const target of targets) target.postMessage(message);
}
