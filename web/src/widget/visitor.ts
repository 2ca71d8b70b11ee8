// The visitor's identity survives reloads in localStorage: a random id made in the browser, and
// the token the server issues for it once the chat connects. Without storage (private mode,
// blocked third-party storage) the identity lasts for the page only.

export interface Visitor {
  id: string
  token?: string
  lang?: string
}

const KEY = 'kefu.widget.visitor'

export function randomId(): string {
  const b = new Uint8Array(16)
  crypto.getRandomValues(b)
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
}

export function loadVisitor(storage: Storage | null): Visitor {
  if (storage) {
    try {
      const v = JSON.parse(storage.getItem(KEY) || 'null')
      if (v && typeof v.id === 'string' && /^[0-9a-f]{32}$/.test(v.id)) {
        return { id: v.id, token: typeof v.token === 'string' ? v.token : undefined, lang: typeof v.lang === 'string' ? v.lang : undefined }
      }
    } catch {
      /* corrupt entry: start over */
    }
  }
  const v = { id: randomId() }
  saveVisitor(storage, v)
  return v
}

export function saveVisitor(storage: Storage | null, v: Visitor): void {
  try {
    storage?.setItem(KEY, JSON.stringify(v))
  } catch {
    /* quota or blocked: identity lasts for this page */
  }
}
