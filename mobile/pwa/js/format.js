// Numbers, money and times in the member's language (Intl; amounts arrive as integer minor units).

const LOCALES = { rw: 'rw-RW', en: 'en-RW', fr: 'fr-RW' };

export function locale(lang) {
  return LOCALES[lang] || 'en-RW';
}

function digits(currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/** 25000, 'RWF' -> "RWF 25,000" (or the language's own grouping). */
export function money(minor, currency, lang) {
  const exp = digits(currency);
  const major = Number(minor) / 10 ** exp;
  try {
    return new Intl.NumberFormat(locale(lang), {
      style: 'currency', currency, currencyDisplay: 'code', minimumFractionDigits: exp, maximumFractionDigits: exp,
    }).format(major);
  } catch {
    return `${currency} ${major.toFixed(exp)}`;
  }
}

/** "10:42" for a time today. */
export function clock(ms, lang) {
  return new Intl.DateTimeFormat(locale(lang), { hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(ms));
}

/** "12 Oct 2026" */
export function day(value, lang) {
  const d = typeof value === 'string' && value.length === 10 ? new Date(`${value}T12:00:00`) : new Date(value);
  return new Intl.DateTimeFormat(locale(lang), { day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}
