// Desktop notifications (the Notification API) for an agent whose workspace tab is in the
// background. Permission is only ever asked from a click (browsers ignore or penalise asking on
// load), and nothing is shown while the tab is visible: the inbox itself shows it then.
import { useEffect, useState } from 'preact/hooks'
import { navigate } from '../router'

export type Permission = 'default' | 'granted' | 'denied' | 'unsupported'

export function permission(): Permission {
  if (typeof window === 'undefined' || !('Notification' in window)) return 'unsupported'
  return Notification.permission as Permission
}

/** usePermission tracks the permission and offers the click handler that asks for it. */
export function usePermission(): [Permission, () => void] {
  const [p, setP] = useState<Permission>(permission)
  useEffect(() => {
    // The user may change it in the browser's site settings meanwhile.
    const on = () => setP(permission())
    document.addEventListener('visibilitychange', on)
    return () => document.removeEventListener('visibilitychange', on)
  }, [])
  const ask = () => {
    if (p !== 'default') return
    Promise.resolve(Notification.requestPermission()).then((r) => setP(r as Permission), () => setP(permission()))
  }
  return [p, ask]
}

/** show displays a notification when the tab is hidden; a click brings the conversation up. */
export function show(title: string, body: string, conversationId: number) {
  if (permission() !== 'granted' || document.visibilityState === 'visible') return
  try {
    const n = new Notification(title, { body: body.slice(0, 180), tag: 'kefu-conv-' + conversationId, lang: document.documentElement.lang })
    n.onclick = () => {
      window.focus()
      navigate(`/inbox/${conversationId}`)
      n.close()
    }
  } catch {
    // Some platforms only allow notifications from a service worker; the inbox still updates.
  }
}
