// Boot: register the service worker, load the language, then show the screen the URL hash names.
import * as api from './api.js';
import { preferredLanguage, setLanguage, t } from './i18n.js';
import { Screen } from './live.js';
import * as status from './status.js';
import { describe } from './status.js';
import { mount, h } from './dom.js';
import * as login from './views/login.js';
import * as home from './views/home.js';
import * as history from './views/history.js';
import * as pay from './views/pay.js';
import * as loans from './views/loans.js';
import * as more from './views/more.js';

const VIEWS = { login, home, history, pay, loans, more };
let screen = null;

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register(new URL('../sw.js', import.meta.url), { scope: new URL('../', import.meta.url).pathname });
  } catch (error) {
    console.warn('service worker not registered', error);
  }
}

function route() {
  const [name, ...rest] = (window.location.hash.replace(/^#\/?/, '') || 'home').split('/');
  return { name: VIEWS[name] ? name : 'home', params: rest };
}

export function go(path) {
  if (window.location.hash === `#/${path}`) show();
  else window.location.hash = `#/${path}`;
}

async function show() {
  if (screen) screen.close();
  screen = new Screen();
  let { name, params } = route();
  if (!api.signedIn()) name = 'login';
  else if (name === 'login') name = 'home';
  const tabs = document.getElementById('tabs');
  tabs.hidden = name === 'login';
  for (const tab of tabs.querySelectorAll('a')) tab.classList.toggle('active', tab.dataset.tab === name);
  const root = document.getElementById('view');
  status.clear();
  mount(root, h('p', { class: 'loading', text: '…' }));
  try {
    await VIEWS[name].render({ root, screen, params, go });
  } catch (error) {
    if (screen.closed) return;
    mount(root, h('p', { class: 'error-text', text: describe(error) }),
      h('button', { class: 'btn secondary', type: 'button', text: t('action.retry'), on: { click: () => show() } }));
  }
  root.focus({ preventScroll: true });
}

async function boot() {
  await registerWorker();
  await api.configure();
  await setLanguage(preferredLanguage());
  api.onSignedOut(() => go('login'));
  window.addEventListener('hashchange', show);
  window.addEventListener('ibimina:language', () => show());
  await show();
  document.body.dataset.ready = '1';
}

boot();
