// My transactions, newest first, a page at a time (the API's keyset cursor).
import * as api from '../api.js';
import { h, mount } from '../dom.js';
import { t, language } from '../i18n.js';
import { money, day } from '../format.js';

const PAGE = 20;

export async function render({ root, screen }) {
  const list = h('ul', { class: 'plain', id: 'transactions' });
  const more = h('button', { class: 'btn secondary', type: 'button', hidden: true, text: t('tx.more') });
  mount(root, h('h2', { text: t('tx.title') }), h('section', { class: 'card' }, list), more);
  let cursor = null;
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const { data } = await api.get(`/api/v1/me/transactions?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
      list.append(...data.items.map(item));
      cursor = data.next_cursor;
      more.hidden = !cursor;
    } finally {
      more.disabled = false;
    }
  });
  await screen.live(`/api/v1/me/transactions?limit=${PAGE}`, (page) => {
    mount(list, page.items.length ? page.items.map(item) : h('li', { class: 'empty', text: t('tx.empty') }));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  });
}

function item(tx) {
  const lang = language();
  const label = t(`tx.kind.${tx.kind}`) === `tx.kind.${tx.kind}` ? tx.kind.replace(/_/g, ' ') : t(`tx.kind.${tx.kind}`);
  return h('li', { class: 'row', dataset: { tx: tx.id } },
    h('span', {}, h('span', { text: label }), h('br'),
      h('span', { class: 'small', text: [day(tx.effective_at, lang), tx.group_name].filter(Boolean).join(' · ') })),
    h('span', { class: `amount ${tx.direction}`, text: `${tx.direction === 'out' ? '−' : '+'}${money(tx.amount, tx.currency, lang)}` }));
}
