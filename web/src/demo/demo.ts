// The demo shop page: static content in both languages, and a language button that also
// switches the widget (through window.KefuWidget), the way a real shop would wire it.
import { browserLangs, pickLang, safeStorage, type Lang } from '../shared/i18n'
import './demo.css'
import type {} from '../widget/main'

const en: Record<string, string> = {
  'nav.home': 'Home',
  'nav.orders': 'My orders',
  'nav.help': 'Help centre',
  'hero.title': 'Singles Day encore · free shipping on everything',
  'hero.sub': 'This is kefu’s demo shop. The chat button at the bottom right is the one <script> tag you can put on any page.',
  picks: 'Today’s picks',
  p1: 'Light down jacket, unisex',
  p2: 'Wireless noise-cancelling earbuds Pro',
  p3: 'Organic rolled oats 1 kg',
  p4: 'Kids’ insulated bottle 500 ml',
  embed: 'How to embed',
  foot: 'Demo data for trying kefu · open-source intelligent customer service',
}
const zh: Record<string, string> = {}

function apply(lang: Lang) {
  document.documentElement.lang = lang
  document.querySelectorAll<HTMLElement>('[data-i18n]').forEach((el) => {
    const k = el.dataset.i18n!
    if (!(k in zh)) zh[k] = el.textContent ?? ''
    el.textContent = lang === 'en' ? en[k] ?? zh[k] : zh[k]
  })
  const btn = document.getElementById('demo-lang')!
  btn.textContent = lang === 'en' ? '中文' : 'EN'
  btn.setAttribute('aria-label', lang === 'en' ? '切换到中文' : 'Switch to English')
  window.KefuWidget?.setLang(lang)
}

const storage = safeStorage()
let lang = pickLang(browserLangs(), storage?.getItem('kefu.demo.lang'))

document.addEventListener('DOMContentLoaded', () => {
  const code = document.getElementById('embed-code')
  if (code) code.textContent = `<script src="${location.origin}/widget.js" async data-color="#e4393c"></script>`
  apply(lang)
  window.addEventListener('kefu:widget-ready', () => window.KefuWidget?.setLang(lang))
  document.getElementById('demo-lang')!.addEventListener('click', () => {
    lang = lang === 'en' ? 'zh-CN' : 'en'
    storage?.setItem('kefu.demo.lang', lang)
    apply(lang)
  })
})
