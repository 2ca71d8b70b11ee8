import type { Lang } from './i18n'

/** money formats integer cents in the given currency (CNY by default) for lang. */
export function money(cents: number, lang: Lang, currency = 'CNY'): string {
  try {
    return new Intl.NumberFormat(lang, { style: 'currency', currency: currency || 'CNY' }).format(cents / 100)
  } catch {
    return (cents / 100).toFixed(2) + ' ' + currency
  }
}

/** dateTime formats an RFC 3339 time as a short local date and time; "" for empty input. */
export function dateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (isNaN(d.getTime())) return ''
  return new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(d)
}

/** initials returns up to two letters for an avatar. */
export function initials(name: string): string {
  const t = name.trim()
  if (!t) return '?'
  const chars = Array.from(t)
  if (/^[\u3400-\u9fff]/.test(t)) return chars.slice(-2).join('')
  const parts = t.split(/\s+/)
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase()
}
