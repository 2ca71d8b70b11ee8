import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Lang } from '../shared/i18n'
import type { Me } from './api'
import type { Key } from './messages'

export interface AppState {
  lang: Lang
  setLang(l: Lang): void
  t(key: Key, params?: Record<string, string | number>): string
  me: Me | null
  signOut(): void
  can(perm: string): boolean
  /** has reports whether the server offers an API path (from its OpenAPI document). */
  has(path: string): boolean
}

export const AppContext = createContext<AppState>(null as unknown as AppState)
export const useApp = () => useContext(AppContext)
