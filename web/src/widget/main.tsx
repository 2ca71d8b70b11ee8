// The one-script-tag widget: <script src="https://YOUR-KEFU/widget.js" async></script>.
// It mounts a launcher in a shadow root (isolated from the shop's CSS) and exposes
// window.KefuWidget = { open(), close(), setLang('zh-CN'|'en') } for shops that want their own button.
import { render } from 'preact'
import { browserLangs, pickLang, safeStorage, type Lang } from '../shared/i18n'
import { parseConfig } from './config'
import { loadVisitor } from './visitor'
import { Widget } from './Widget'
import css from './widget.css?inline'

declare global {
  interface Window {
    KefuWidget?: { open(): void; close(): void; setLang(l: Lang): void; version: string }
  }
}

function boot(script: HTMLScriptElement | null) {
  if (document.getElementById('kefu-widget-host')) return // loaded twice: keep the first
  const config = parseConfig({ ...(script?.dataset ?? {}) }, script?.src ?? '', location.href)
  const storage = safeStorage()
  const visitor = loadVisitor(storage)
  const lang: Lang = config.lang !== 'auto' ? config.lang : pickLang(browserLangs(), visitor.lang)

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
}

const current = document.currentScript as HTMLScriptElement | null
if (document.body) boot(current)
else document.addEventListener('DOMContentLoaded', () => boot(current), { once: true })
