// The widget's settings come from data- attributes on its <script> tag, so a shop configures
// it with HTML alone:
//
//   <script src="https://kefu.example.com/widget.js" async
//           data-color="#e4393c" data-title="小店客服" data-greeting-zh="您好！" data-greeting-en="Hi!"
//           data-quick-replies-zh="我的订单到哪了？|我要退货" data-quick-replies-en="Where is my order?|I want a return"
//           data-logo="https://shop.example.com/logo.png" data-position="right" data-lang="auto"
//           data-customer-id="c-1001" data-signature="<hex HMAC-SHA256 of c-1001, made by the shop's server>"></script>
//
// Every value is validated; anything invalid falls back to the default, never breaking the page.
import type { Lang } from '../shared/i18n'

export interface WidgetConfig {
  base: string // kefu's origin, where the API lives
  color: string // #rrggbb
  title: { 'zh-CN': string; en: string }
  greeting: { 'zh-CN': string; en: string }
  quickReplies: { 'zh-CN': string[]; en: string[] }
  logo: string
  position: 'right' | 'left'
  lang: Lang | 'auto'
  open: boolean
  // A signed-in shop customer: the shop's server renders data-customer-id and
  // data-signature = hex HMAC-SHA256(widget identity secret, customer id).
  identity: { externalId: string; signature: string; name: string } | null
}

export const DEFAULT_COLOR = '#1f6feb'

const text = (v: string | undefined, max: number): string => (v ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, max)

/** normaliseColor accepts #rgb or #rrggbb and returns #rrggbb, or "" when invalid. */
export function normaliseColor(v: string | undefined): string {
  const s = (v ?? '').trim().toLowerCase()
  if (/^#[0-9a-f]{6}$/.test(s)) return s
  if (/^#[0-9a-f]{3}$/.test(s)) return '#' + s[1] + s[1] + s[2] + s[2] + s[3] + s[3]
  return ''
}

function list(v: string | undefined): string[] {
  return (v ?? '')
    .split('|')
    .map((x) => text(x, 60))
    .filter(Boolean)
    .slice(0, 6)
}

function url(v: string | undefined, base: string): string {
  const s = (v ?? '').trim()
  if (!s) return ''
  try {
    const u = new URL(s, base)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : ''
  } catch {
    return ''
  }
}

/** parseConfig builds the configuration from a script tag's dataset and its src origin. */
export function parseConfig(data: Record<string, string | undefined>, scriptSrc: string, pageHref: string): WidgetConfig {
  let base = ''
  try {
    base = new URL(scriptSrc || pageHref, pageHref).origin
  } catch {
    base = ''
  }
  if (data.base) {
    try {
      const u = new URL(data.base, pageHref)
      if (u.protocol === 'https:' || u.protocol === 'http:') base = u.origin
    } catch {
      /* keep the script's origin */
    }
  }
  const lang = data.lang === 'zh-CN' || data.lang === 'zh' ? 'zh-CN' : data.lang === 'en' ? 'en' : 'auto'
  return {
    base,
    color: normaliseColor(data.color) || DEFAULT_COLOR,
    title: { 'zh-CN': text(data.titleZh ?? data.title, 40) || '在线客服', en: text(data.titleEn ?? data.title, 40) || 'Customer service' },
    greeting: {
      'zh-CN': text(data.greetingZh ?? data.greeting, 300) || '您好！有什么可以帮您？查订单、退换货、问商品，都可以直接问我。',
      en: text(data.greetingEn ?? data.greeting, 300) || 'Hi! How can we help? Ask about an order, a return or a product.',
    },
    quickReplies: {
      'zh-CN': data.quickRepliesZh !== undefined ? list(data.quickRepliesZh) : ['我的订单到哪了？', '我要退货', '转人工'],
      en: data.quickRepliesEn !== undefined ? list(data.quickRepliesEn) : ['Where is my order?', 'I want to return an item', 'Talk to a person'],
    },
    logo: url(data.logo, pageHref),
    position: data.position === 'left' ? 'left' : 'right',
    lang,
    open: data.open === 'true',
    identity:
      data.customerId && /^[0-9a-f]{64}$/.test(data.signature ?? '')
        ? { externalId: text(data.customerId, 100), signature: data.signature!, name: text(data.customerName, 100) }
        : null,
  }
}

/** relativeLuminance per WCAG 2.x for #rrggbb. */
export function relativeLuminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
  const lin = c.map((v) => (v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4)))
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
}

export function contrastRatio(a: string, b: string): number {
  const [x, y] = [relativeLuminance(a), relativeLuminance(b)].sort((p, q) => q - p)
  return (x + 0.05) / (y + 0.05)
}

/** textOn picks white or near-black text for a brand colour, whichever contrasts more (WCAG). */
export function textOn(bg: string): string {
  return contrastRatio(bg, '#ffffff') >= contrastRatio(bg, '#111111') ? '#ffffff' : '#111111'
}

/** ServerLook is the widget look an admin saved in the console (GET /api/v1/widget/settings). */
export interface ServerLook {
  color?: string
  title_zh?: string
  title_en?: string
  greeting_zh?: string
  greeting_en?: string
  logo_url?: string
  quick_replies_zh?: string[] | null
  quick_replies_en?: string[] | null
  position?: string
}

/** withServerLook puts the saved look under the snippet's own attributes: an attribute written
 * on the snippet wins, the saved look fills what the snippet leaves out, and parseConfig's
 * defaults the rest. The result is a dataset for parseConfig, which validates it all again. */
export function withServerLook(data: Record<string, string | undefined>, look: ServerLook | null): Record<string, string | undefined> {
  if (!look) return data
  const s = (v: string | undefined) => (v ? v : undefined)
  const quick = (v: string[] | null | undefined) => (v && v.length ? v.join('|') : undefined)
  const saved: Record<string, string | undefined> = {
    color: s(look.color),
    // a snippet's data-title / data-greeting (both languages) beats the saved per-language ones
    titleZh: data.title === undefined ? s(look.title_zh) : undefined,
    titleEn: data.title === undefined ? s(look.title_en) : undefined,
    greetingZh: data.greeting === undefined ? s(look.greeting_zh) : undefined,
    greetingEn: data.greeting === undefined ? s(look.greeting_en) : undefined,
    logo: s(look.logo_url),
    quickRepliesZh: quick(look.quick_replies_zh),
    quickRepliesEn: quick(look.quick_replies_en),
    position: s(look.position),
  }
  const out: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(saved)) if (v !== undefined) out[k] = v
  for (const [k, v] of Object.entries(data)) if (v !== undefined) out[k] = v
  return out
}

/** loadServerLook fetches the saved look from kefu at base. It resolves to null, never rejects,
 * when the server has none to give (an older kefu, the network, a slow answer: after timeoutMs
 * the widget starts with the snippet alone rather than keep the launcher waiting). */
export async function loadServerLook(base: string, timeoutMs = 2000, fetchFn: typeof fetch = fetch): Promise<ServerLook | null> {
  if (!base) return null
  const ctl = typeof AbortController === 'function' ? new AbortController() : null
  const timer = setTimeout(() => ctl?.abort(), timeoutMs)
  try {
    const res = await fetchFn(base + '/api/v1/widget/settings', { signal: ctl?.signal, credentials: 'omit' })
    if (!res.ok) return null
    const v = (await res.json()) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as ServerLook) : null
  } catch {
    return null
  } finally {
    clearTimeout(timer)
  }
}
