// Home: my savings and loans per group, with the total first.
import { h, mount } from '../dom.js';
import { t, language } from '../i18n.js';
import { money } from '../format.js';

export async function render({ root, screen }) {
  const who = document.getElementById('who');
  const total = h('section', { class: 'card total', id: 'balances-total' });
  const groups = h('section', { id: 'balances-groups' });
  mount(root, h('h2', { text: t('balances.title') }), total, groups);
  const profile = screen.live('/api/v1/me', (me) => { who.textContent = me.full_name; });
  await screen.live('/api/v1/me/balances', (b) => draw(b, total, groups));
  await profile.catch(() => null);
}

function draw(b, total, groups) {
  const lang = language();
  mount(total,
    h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.total') }),
      h('span', { class: 'amount', 'data-testid': 'total-savings', text: money(b.total_savings, b.currency, lang) })),
    b.total_loan_outstanding > 0 ? h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.loan') }),
      h('span', { class: 'amount', text: money(b.total_loan_outstanding, b.currency, lang) })) : null);
  if (!b.groups.length) {
    mount(groups, h('p', { class: 'empty', text: t('balances.no_groups') }));
    return;
  }
  mount(groups, b.groups.map((g) => h('article', { class: 'card', dataset: { group: g.group_id } },
    h('h3', { text: g.group_name }),
    h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.savings') }),
      h('span', { class: 'amount', text: money(g.savings, b.currency, lang) })),
    g.held ? h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.held') }),
      h('span', { class: 'amount', text: money(g.held, b.currency, lang) })) : null,
    g.loan_outstanding ? h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.loan') }),
      h('span', { class: 'amount out', text: money(g.loan_outstanding, b.currency, lang) })) : null)));
}
