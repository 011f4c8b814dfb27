// More: my profile and language, my statement, a message to an agent, and signing out.
import * as api from '../api.js';
import { h, mount, fields } from '../dom.js';
import { t, LANGUAGES, LANGUAGE_NAMES, language, setLanguage } from '../i18n.js';
import { describe } from '../status.js';

export async function render({ root, screen }) {
  const profile = h('section', { class: 'card', id: 'profile' });
  mount(root, h('h2', { text: t('nav.more') }), profile, languages(), support(), statement(),
    h('button', { class: 'btn danger', type: 'button', id: 'sign-out', text: t('settings.logout'), on: { click: () => api.signOut() } }));
  await screen.live('/api/v1/me', (me) => {
    document.getElementById('who').textContent = me.full_name;
    mount(profile, h('h3', { text: me.full_name }), h('p', { class: 'small', text: [me.phone, me.organization.name].join(' · ') }));
  });
}

function languages() {
  const note = h('p', { class: 'small', role: 'status' });
  return h('section', { class: 'card' }, h('h3', { text: t('settings.language') }),
    h('div', { class: 'langs' }, LANGUAGES.map((lang) => h('button', {
      class: 'btn', type: 'button', lang, 'aria-pressed': String(lang === language()), text: LANGUAGE_NAMES[lang],
      on: { click: async () => {
        try {
          await api.patch('/api/v1/me', { language: lang });
        } catch (error) {
          note.textContent = describe(error);
          return;
        }
        await setLanguage(lang);
        window.dispatchEvent(new Event('ibimina:language'));
      } },
    }))), note);
}

function support() {
  const note = h('p', { class: 'small', role: 'status' });
  const button = h('button', { class: 'btn', type: 'submit', text: t('support.send') });
  const form = h('form', { id: 'support-form', on: { submit: async (event) => {
    event.preventDefault();
    const { message } = fields(form);
    if (!message) return;
    button.disabled = true;
    try {
      await api.post('/api/v1/me/support', { message });
      form.reset();
      note.textContent = t('support.sent');
    } catch (error) {
      note.textContent = describe(error);
    } finally {
      button.disabled = false;
    }
  } } },
  h('label', {}, t('support.title'), h('textarea', { name: 'message', maxlength: '1000', required: true, placeholder: t('support.placeholder') })),
  button, note);
  return h('section', { class: 'card' }, form);
}

function statement() {
  const note = h('p', { class: 'small', role: 'status' });
  const button = h('button', { class: 'btn secondary', type: 'button', text: t('statement.download'), on: { click: async () => {
    button.disabled = true;
    try {
      const blob = await api.download('/api/v1/me/statement.pdf', 'application/pdf');
      const link = h('a', { href: URL.createObjectURL(blob), download: 'ibimina-statement.pdf' });
      document.body.append(link);
      link.click();
      link.remove();
      note.textContent = '';
    } catch (error) {
      note.textContent = error instanceof api.ApiError && error.status === 501 ? t('statement.pending') : describe(error);
    } finally {
      button.disabled = false;
    }
  } } });
  return h('section', { class: 'card' }, button, note);
}
