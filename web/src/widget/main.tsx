// The one-script-tag widget: <script src="https://YOUR-KEFU/widget.js" async></script>.
// It mounts a launcher in a shadow root (isolated from the shop's CSS) and exposes
// window.KefuWidget = { open(), close(), setLang('zh-CN'|'en') } for shops that want their own button.
import { render } from 'preact'
import { browserLangs, pickLang, safeStorage, type Lang } from '../shared/i18n'
import { loadServerLook, parseConfig, withServerLook, type ServerLook } from './config'
import { loadVisitor } from './visitor'
import { Widget } from './Widget'
import css from './widget.css?inline'

declare global {
  interface Window {
    KefuWidget?: { open(): void; close(): void; setLang(l: Lang): void; version: string }
  }
}

function boot(script: HTMLScriptElement | null, look: Promise<ServerLook | null>) {
  if (document.getElementById('kefu-widget-host')) return // loaded twice: keep the first
  const host = document.createElement('div')
  host.id = 'kefu-widget-host'
  const root = host.attachShadow({ mode: 'open' })
  const style = document.createElement('style')
  style.textContent = css
  root.appendChild(style)
  const mount = document.createElement('div')
  root.appendChild(mount)
  document.body.appendChild(host)

  let ctl = { open() {}, close() {}, setLang(_: Lang) {} }
  window.KefuWidget = {
    open: () => ctl.open(),
    close: () => ctl.close(),
    setLang: (l) => ctl.setLang(l),
    version: '1',
  }
  // The widget renders once the look saved in the console has arrived (or failed, or timed out):
  // the snippet's own attributes win over it, and it never flashes the default look first.
  look.then((saved) => {
    const config = parseConfig(withServerLook({ ...(script?.dataset ?? {}) }, saved), script?.src ?? '', location.href)
    const storage = safeStorage()
    const visitor = loadVisitor(storage)
    const lang: Lang = config.lang !== 'auto' ? config.lang : pickLang(browserLangs(), visitor.lang)
    render(
      <Widget
        config={config}
        visitor={visitor}
        storage={storage}
        initialLang={lang}
        api={{ register: (open, close, setLang) => (ctl = { open, close, setLang }) }}
      />,
      mount,
    )
    window.dispatchEvent(new Event('kefu:widget-ready'))
  })
}

const current = document.currentScript as HTMLScriptElement | null
// The look saved in the console loads while the page does.
const look = loadServerLook(parseConfig({ ...(current?.dataset ?? {}) }, current?.src ?? '', location.href).base)
if (document.body) boot(current, look)
else document.addEventListener('DOMContentLoaded', () => boot(current, look), { once: true })
