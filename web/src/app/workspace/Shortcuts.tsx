import { useEffect, useRef } from 'preact/hooks'
import { useW, type WKey } from './messages'

export const SHORTCUTS: [string, WKey][] = [
  ['j', 'keys.next'],
  ['k', 'keys.prev'],
  ['r', 'keys.reply'],
  ['n', 'keys.note'],
  ['Ctrl+Enter', 'keys.send'],
  ['m', 'keys.macro'],
  ['a', 'keys.take'],
  ['b', 'keys.handBack'],
  ['1 … 7', 'keys.queue'],
  ['p', 'keys.panel'],
  ['?', 'keys.help'],
  ['Esc', 'keys.escape'],
]

/** ShortcutHelp is the `?` overlay: a modal dialog listing every workspace key. */
export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const w = useW()
  const close = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null
    close.current?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        onClose()
      } else if (e.key === 'Tab') {
        e.preventDefault() // one control inside: keep focus in the dialog
        close.current?.focus()
      }
    }
    document.addEventListener('keydown', onKey, true)
    return () => {
      document.removeEventListener('keydown', onKey, true)
      before?.focus?.()
    }
  }, [])
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="keys-title" data-testid="shortcut-help">
        <header>
          <h2 id="keys-title">{w.t('keys.title')}</h2>
          <button type="button" class="ghost" ref={close} onClick={onClose}>
            {w.t('keys.close')}
          </button>
        </header>
        <table class="table keys">
          <tbody>
            {SHORTCUTS.map(([k, label]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{w.t(label)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}
