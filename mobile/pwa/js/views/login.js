// Sign in with a phone number and the 6-digit code we send to it (WhatsApp or SMS).
import * as api from '../api.js';
import { h, mount, fields } from '../dom.js';
import { t, LANGUAGES, LANGUAGE_NAMES, language, setLanguage } from '../i18n.js';
import { describe } from '../status.js';

const PHONE = 'ibimina.phone';

export async function render({ root, go }) {
  const who = document.getElementById('who');
  who.textContent = '';
  phoneStep(root, go);
}

function languagePicker() {
  return h('div', { class: 'langs', role: 'group', 'aria-label': t('settings.language') },
    LANGUAGES.map((lang) => h('button', {
      class: 'btn', type: 'button', lang, 'aria-pressed': String(lang === language()), text: LANGUAGE_NAMES[lang],
      on: { click: async () => { await setLanguage(lang); window.dispatchEvent(new Event('ibimina:language')); } },
    })));
}

function phoneStep(root, go) {
  const message = h('p', { class: 'error-text', role: 'alert', hidden: true });
  const button = h('button', { class: 'btn', type: 'submit', text: t('login.send_code') });
  const form = h('form', { id: 'phone-form', novalidate: true, on: { submit: async (event) => {
    event.preventDefault();
    const { phone } = fields(form);
    if (!/^\+?[0-9 ]{9,15}$/.test(phone)) {
      message.textContent = t('login.bad_phone');
      message.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      await api.post('/api/v1/auth/code', { phone }, { auth: false });
      localStorage.setItem(PHONE, phone);
      codeStep(root, go, phone);
    } catch (error) {
      message.textContent = describe(error);
      message.hidden = false;
      button.disabled = false;
    }
  } } },
  h('label', {}, t('login.phone'),
    h('input', { name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', required: true,
      placeholder: '+250 78x xxx xxx', value: localStorage.getItem(PHONE) || '' })),
  message, button);
  mount(root, h('h2', { text: t('login.title') }), h('p', { class: 'small', text: t('login.intro') }), form,
    h('div', { class: 'card' }, languagePicker()));
}

function codeStep(root, go, phone) {
  const message = h('p', { class: 'error-text', role: 'alert', hidden: true });
  const button = h('button', { class: 'btn', type: 'submit', text: t('login.verify') });
  const form = h('form', { id: 'code-form', novalidate: true, on: { submit: async (event) => {
    event.preventDefault();
    const { code } = fields(form);
    if (!/^[0-9]{6}$/.test(code)) {
      message.textContent = t('login.bad_code');
      message.hidden = false;
      return;
    }
    button.disabled = true;
    try {
      api.saveTokens(await api.post('/api/v1/auth/verify', { phone, code }, { auth: false }));
      go('home');
    } catch (error) {
      message.textContent = describe(error);
      message.hidden = false;
      button.disabled = false;
    }
  } } },
  h('p', { class: 'ok-text', text: t('login.code_sent') }),
  h('label', {}, t('login.code'),
    h('input', { name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code',
      pattern: '[0-9]{6}', maxlength: '6', required: true })),
  message, button);
  const back = h('button', { class: 'link', type: 'button', text: t('login.change_phone'), on: { click: () => phoneStep(root, go) } });
  mount(root, h('h2', { text: t('login.title') }), form, back);
  form.querySelector('input').focus();
}
