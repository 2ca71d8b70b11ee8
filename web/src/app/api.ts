// The workspace's only door to the server. Signed-in requests use the HttpOnly session cookie;
// requests that change state echo the session's CSRF token, as internal/httpapi requires.

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public field?: string) {
    super(message)
  }
}

let csrfToken = ''
export function setCsrf(token: string) {
  csrfToken = token
}
/** csrf is the session's CSRF token, for the few requests that cannot go through api() (raw bodies). */
export const csrf = () => csrfToken

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken
  let res: Response
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) })
  } catch (e) {
    throw new ApiError(0, 'network', 'the server cannot be reached')
  }
  if (res.status === 204) return undefined as T
  const data = await res.json().catch(() => null)
  if (!res.ok) {
    const err = data?.error
    throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText, err?.field)
  }
  return data as T
}

/** query builds "?a=1&b=2" from the non-empty values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? '?' + s : ''
}

export interface Page<T> {
  items: T[]
  limit: number
  offset?: number
  has_more?: boolean
  total?: number
}

export interface User {
  id: number
  email: string
  name: string
  role: 'admin' | 'supervisor' | 'agent'
  lang: string
  status: string
  disabled: boolean
  created_at: string
  last_login_at?: string
}

export interface Me {
  user: User
  permissions: string[]
  csrf_token?: string
}

export interface Address {
  id?: number
  recipient: string
  phone: string
  line: string
  province: string
  city: string
  district: string
  is_default?: boolean
}

export interface Customer {
  id: number
  external_id: string | null
  name: string
  phone: string
  email: string
  tier: string
  tags: string[] | null
  lang: string
  consent_marketing: boolean
  consent_profiling: boolean
  created_at: string
  last_seen_at: string | null
  erased_at?: string | null
  addresses?: Address[]
}

export interface OrderItem {
  id: number
  product_id: number | null
  sku: string
  title: string
  qty: number
  unit_price_cents: number
  total_cents: number
  refunded_qty: number
}

export interface Shipment {
  id: number
  direction: string
  carrier: string
  carrier_name: string
  tracking_number: string
  status: string
  shipped_at: string | null
  delivered_at: string | null
  events: { at: string; status: string; location: string; description_zh: string; description_en: string }[]
}

export interface Order {
  id: number
  number: string
  customer_id: number
  status: string
  payment_status: string
  payment_method: string
  currency: string
  items_cents: number
  shipping_cents: number
  discount_cents: number
  total_cents: number
  refunded_cents: number
  ship_to: Address
  placed_at: string
  updated_at: string
  items?: OrderItem[]
  shipments?: Shipment[]
}

export interface Product {
  id: number
  sku: string
  title_zh: string
  title_en: string
  category: string
  brand: string
  price_cents: number
  stock: number
  status: string
  images: string[] | null
}

export interface Category {
  id: number
  slug: string
  name_zh: string
  name_en: string
  no_reason_return: boolean
}

export interface Conversation {
  id: number
  customer_id: number | null
  channel: string
  status: 'open' | 'waiting' | 'closed'
  handled_by: 'bot' | 'agent'
  assignee_id: number | null
  team_id: number | null
  subject: string
  lang: string
  created_at: string
  updated_at: string
  last_message_at: string | null
}

export interface Message {
  id: number
  conversation_id: number
  sender_kind: 'customer' | 'bot' | 'agent' | 'system'
  sender_id: number | null
  content_type: string
  body: string
  payload: any
  nlu: any
  intent: string
  lang: string
  internal: boolean
  client_msg_id: string | null
  created_at: string
}
