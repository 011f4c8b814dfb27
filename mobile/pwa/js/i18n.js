// Kinyarwanda first, then English and French: one small JSON catalogue per language under i18n/.

export const LANGUAGES = ['rw', 'en', 'fr'];
export const LANGUAGE_NAMES = { rw: 'Ikinyarwanda', en: 'English', fr: 'Français' };
const KEY = 'ibimina.lang';

let current = 'rw';
let catalogue = {};

export function language() {
  return current;
}

/** The saved choice, else the browser's if we speak it, else Kinyarwanda. */
export function preferredLanguage() {
  const saved = localStorage.getItem(KEY);
  if (LANGUAGES.includes(saved)) return saved;
  const browser = (navigator.language || '').slice(0, 2).toLowerCase();
  return LANGUAGES.includes(browser) && browser !== 'en' ? browser : 'rw';
}

export async function setLanguage(lang) {
  const chosen = LANGUAGES.includes(lang) ? lang : 'rw';
  const response = await fetch(new URL(`../i18n/${chosen}.json`, import.meta.url));
  catalogue = await response.json();
  current = chosen;
  localStorage.setItem(KEY, chosen);
  document.documentElement.lang = chosen;
  translate(document);
  return chosen;
}

/** t('stale.updated', {time: '10:42'}) -> "Last updated 10:42" */
export function t(key, vars = {}) {
  const text = Object.prototype.hasOwnProperty.call(catalogue, key) ? catalogue[key] : key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(vars[name]) : match));
}

/** Fill every [data-i18n] element under root with its translation. */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
