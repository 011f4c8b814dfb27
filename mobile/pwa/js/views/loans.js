// Loans: mine with their schedules, applying for one, and guarantor requests waiting for my answer.
import * as api from '../api.js';
import { h, mount, fields } from '../dom.js';
import { t, language } from '../i18n.js';
import { money, day } from '../format.js';
import { describe } from '../status.js';

export async function render(ctx) {
  const [first] = ctx.params;
  if (first === 'apply') return apply(ctx);
  if (first && /^\d+$/.test(first)) return detail(ctx, first);
  return overview(ctx);
}

function statusBadge(value) {
  const label = t(`loan.status.${value}`);
  return h('span', { class: 'badge', text: label.startsWith('loan.status.') ? value : label });
}

async function overview({ root, screen, go }) {
  const requests = h('section', { id: 'guarantor-requests' });
  const list = h('section', { id: 'loans' });
  mount(root,
    h('h2', { text: t('loans.title') }),
    requests, list,
    h('button', { class: 'btn', type: 'button', text: t('loans.apply'), on: { click: () => go('loans/apply') } }));
  const lang = language();
  const guarantees = screen.live('/api/v1/me/guarantor-requests', (answer) => {
    const waiting = answer.items.filter((r) => r.status === 'pending');
    mount(requests, waiting.length ? [h('h3', { text: t('guarantor.title') }), waiting.map((r) => guarantorCard(r, lang))] : []);
  }).catch(() => null);
  await screen.live('/api/v1/me/loans', (answer) => {
    mount(list, answer.items.length ? answer.items.map((loan) => h('article', { class: 'card', dataset: { loan: loan.id } },
      h('div', { class: 'row' }, h('h3', { text: loan.group_name || '' }), statusBadge(loan.status)),
      h('div', { class: 'row' }, h('span', { class: 'label', text: t('loans.amount') }),
        h('span', { class: 'amount', text: money(loan.principal, loan.currency, lang) })),
      loan.outstanding ? h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.loan') }),
        h('span', { class: 'amount out', text: money(loan.outstanding, loan.currency, lang) })) : null,
      h('p', { class: 'small', text: `${loan.reference} · ${day(loan.applied_at, lang)}` }),
      loan.next_due_on ? h('p', { class: 'small', text: t('loans.next_due', { date: day(loan.next_due_on, lang), amount: money(loan.next_due_amount || 0, loan.currency, lang) }) }) : null,
      h('a', { class: 'link', href: `#/loans/${loan.id}`, text: t('loans.schedule') })))
      : h('p', { class: 'empty', text: t('loans.none') }));
  });
  await guarantees;
}

function guarantorCard(r, lang) {
  const note = h('p', { class: 'small', role: 'status' });
  const answer = async (decision, buttons) => {
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await api.post(`/api/v1/me/guarantor-requests/${r.id}`, { decision });
      note.textContent = t(decision === 'accept' ? 'guarantor.accepted' : 'guarantor.declined');
    } catch (error) {
      note.textContent = describe(error);
      buttons.forEach((b) => { b.disabled = false; });
    }
  };
  const accept = h('button', { class: 'btn', type: 'button', text: t('guarantor.accept') });
  const decline = h('button', { class: 'btn danger', type: 'button', text: t('guarantor.decline') });
  accept.addEventListener('click', () => answer('accept', [accept, decline]));
  decline.addEventListener('click', () => answer('decline', [accept, decline]));
  return h('article', { class: 'card', dataset: { request: r.id } },
    h('p', { text: t('guarantor.ask', { name: r.borrower_name, amount: money(r.amount, r.currency, lang), group: r.group_name || '' }) }),
    h('div', { class: 'actions' }, accept, decline), note);
}

async function detail({ root, screen, go }, id) {
  const lang = language();
  const body = h('section', { id: 'loan-detail' });
  mount(root, h('button', { class: 'link', type: 'button', text: `← ${t('loans.title')}`, on: { click: () => go('loans') } }), body);
  await screen.live(`/api/v1/me/loans/${id}`, (loan) => {
    mount(body,
      h('div', { class: 'row' }, h('h2', { text: loan.group_name || '' }), statusBadge(loan.status)),
      h('div', { class: 'card' },
        h('div', { class: 'row' }, h('span', { class: 'label', text: t('loans.amount') }), h('span', { class: 'amount', text: money(loan.principal, loan.currency, lang) })),
        loan.outstanding === null ? null : h('div', { class: 'row' }, h('span', { class: 'label', text: t('balances.loan') }),
          h('span', { class: 'amount', text: money(loan.outstanding, loan.currency, lang) }))),
      h('h3', { text: t('loans.schedule') }),
      loan.schedule.length
        ? h('ul', { class: 'plain card' }, loan.schedule.map((line) => h('li', { class: 'row' },
          h('span', {}, day(line.due_on, lang), h('br'), h('span', { class: 'small', text: t(`installment.${line.status}`) })),
          h('span', { class: 'amount', text: money(line.total, loan.currency, lang) }))))
        : h('p', { class: 'small', text: t('loans.no_schedule') }));
  });
}

async function apply({ root, go }) {
  const lang = language();
  const [{ data: rules }, { data: groups }] = await Promise.all([
    api.get('/api/v1/me/loans/eligibility'), api.get('/api/v1/me/groups'),
  ]);
  const back = h('button', { class: 'link', type: 'button', text: `← ${t('loans.title')}`, on: { click: () => go('loans') } });
  if (!rules.eligible) {
    mount(root, back, h('h2', { text: t('loans.apply') }), h('p', { class: 'card', text: rules.reason || t('loans.not_eligible') }));
    return;
  }
  const message = h('p', { class: 'error-text', role: 'alert', hidden: true });
  const button = h('button', { class: 'btn', type: 'submit', text: t('loans.submit') });
  const form = h('form', { id: 'loan-form', novalidate: true, on: { submit: async (event) => {
    event.preventDefault();
    const values = fields(form);
    button.disabled = true;
    try {
      const loan = await api.post('/api/v1/me/loans', {
        group_id: values.group_id ? Number(values.group_id) : null,
        amount: Number(values.amount), months: Number(values.months), purpose: values.purpose,
      });
      go(`loans/${loan.id}`);
    } catch (error) {
      message.textContent = describe(error);
      message.hidden = false;
      button.disabled = false;
    }
  } } },
  h('p', { class: 'small', text: t('loans.up_to', { amount: money(rules.max_amount, rules.currency, lang) }) }),
  groups.items.length ? h('label', {}, t('loans.group'),
    h('select', { name: 'group_id' }, groups.items.map((g) => h('option', { value: g.id, text: g.name })))) : null,
  h('label', {}, t('loans.amount'), h('input', {
    name: 'amount', type: 'number', inputmode: 'numeric', min: String(rules.min_amount), max: String(rules.max_amount), step: '1', required: true,
  })),
  h('label', {}, t('loans.months'), h('input', {
    name: 'months', type: 'number', inputmode: 'numeric', min: String(rules.min_months), max: String(rules.max_months), value: String(Math.min(6, rules.max_months)), required: true,
  })),
  h('label', {}, t('loans.purpose'), h('input', { name: 'purpose', type: 'text', maxlength: '300', required: true })),
  message, button);
  mount(root, back, h('h2', { text: t('loans.apply') }), form);
}
