import { useEffect, useState } from 'preact/hooks'

// A tiny history router: the server answers every extension-less path with index.html, so
// /customers/12 or /console/users can be bookmarked and reloaded.

const EVENT = 'kefu:navigate'

export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  window.dispatchEvent(new Event(EVENT))
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const on = () => setPath(location.pathname)
    window.addEventListener('popstate', on)
    window.addEventListener(EVENT, on)
    return () => {
      window.removeEventListener('popstate', on)
      window.removeEventListener(EVENT, on)
    }
  }, [])
  return path
}

/** match returns the named parameters when path fits pattern ("/customers/:id"), else null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split('/').filter(Boolean)
  const xs = path.split('/').filter(Boolean)
  if (ps.length !== xs.length) return null
  const out: Record<string, string> = {}
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) out[ps[i].slice(1)] = decodeURIComponent(xs[i])
    else if (ps[i] !== xs[i]) return null
  }
  return out
}

/** onLinkClick makes an <a href> navigate in-app unless the user wants a new tab. */
export function onLinkClick(e: MouseEvent) {
  const a = e.currentTarget as HTMLAnchorElement
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey || a.target) return
  e.preventDefault()
  navigate(a.getAttribute('href') || '/')
}
