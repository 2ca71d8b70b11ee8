// Language choice shared by the workspace and the widget. Chinese (zh-CN) and English are
// first-class: the user's explicit choice wins, then the browser's preference order, then English.

export type Lang = 'zh-CN' | 'en'
export const LANGS: readonly Lang[] = ['zh-CN', 'en']

/** pickLang chooses the UI language from a stored choice and the browser's preferences. */
export function pickLang(preferred: readonly string[], stored?: string | null): Lang {
  if (stored === 'zh-CN' || stored === 'en') return stored
  for (const p of preferred) {
    const l = p.toLowerCase()
    if (l === 'zh' || l.startsWith('zh-')) return 'zh-CN'
    if (l === 'en' || l.startsWith('en-')) return 'en'
  }
  return 'en'
}

/** browserLangs returns navigator.languages (or navigator.language) safely. */
export function browserLangs(): string[] {
  if (typeof navigator === 'undefined') return []
  if (navigator.languages && navigator.languages.length) return [...navigator.languages]
  return navigator.language ? [navigator.language] : []
}

/** fill replaces {name} placeholders; unknown names stay visible so mistakes show. */
export function fill(template: string, params?: Record<string, string | number>): string {
  if (!params) return template
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m))
}

export type Dict<K extends string> = Record<K, string>

/** translator returns t(key, params) for one language over a pair of dictionaries. */
export function translator<K extends string>(dicts: Record<Lang, Dict<K>>, lang: Lang) {
  const d = dicts[lang]
  return (key: K, params?: Record<string, string | number>) => fill(d[key] ?? dicts.en[key] ?? key, params)
}

export function safeStorage(): Storage | null {
  try {
    const s = window.localStorage
    const k = '__kefu_probe__'
    s.setItem(k, '1')
    s.removeItem(k)
    return s
  } catch {
    return null // private mode or blocked third-party storage
  }
}
