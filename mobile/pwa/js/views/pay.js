// Pay: my payment codes, each with a one-tap button that opens the MoMo dial string (a tel: link).
import { h, mount } from '../dom.js';
import { t, language } from '../i18n.js';
import { money } from '../format.js';

export async function render({ root, screen }) {
  const list = h('section', { id: 'payment-codes' });
  mount(root, h('h2', { text: t('pay.title') }), h('p', { class: 'small', text: t('pay.hint') }), list);
  await screen.live('/api/v1/me/payment-codes', (codes) => {
    if (!codes.items.length) {
      mount(list, h('p', { class: 'empty', text: t('pay.none') }));
      return;
    }
    mount(list, codes.items.map((c) => card(c)));
  });
}

function card(c) {
  const lang = language();
  const title = c.purpose === 'loan_repayment' ? t('pay.loan', { id: c.loan_id }) : (c.group_name || c.group_code || '');
  return h('article', { class: 'card', dataset: { code: c.code } },
    h('h3', { text: title }),
    h('div', { class: 'row' }, h('span', { class: 'label', text: t('pay.code') }), h('span', { class: 'code', text: c.code })),
    c.expected_amount ? h('div', { class: 'row' }, h('span', { class: 'label', text: t('pay.amount') }),
      h('span', { class: 'amount', text: money(c.expected_amount, c.currency, lang) })) : null,
    c.tel_link
      ? h('a', { class: 'btn pay', href: c.tel_link, 'data-dial': c.dial_string, text: t('pay.button') })
      : h('p', { class: 'small', text: t('pay.no_dial') }));
}
