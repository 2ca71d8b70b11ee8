import { useState } from 'preact/hooks'
import { money } from '../../shared/format'
import { api, type Category, type Page, type Product } from '../api'
import { useApp } from '../state'
import { Field, Loading, useAsync, VirtualList } from '../ui'
import { PagedStatus, usePaged } from '../paged'

export function Products() {
  const { t, lang } = useApp()
  const [q, setQ] = useState('')
  const [category, setCategory] = useState('')
  const [applied, setApplied] = useState({ q: '', category: '' })
  const cats = useAsync(() => api<Page<Category>>('GET', '/api/v1/categories'), [])
  const list = usePaged<Product>('/api/v1/products', applied, [applied.q, applied.category])
  const catName = (slug: string) => {
    const c = cats.data?.items.find((x) => x.slug === slug)
    return c ? (lang === 'zh-CN' ? c.name_zh : c.name_en) : slug
  }
  return (
    <section class="full-pane" aria-labelledby="products-title">
      <h1 id="products-title">{t('products.title')}</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(e) => {
          e.preventDefault()
          setApplied({ q: q.trim(), category })
        }}
      >
        <Field label={t('products.q')}>
          <input value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('products.category')}>
          <select value={category} onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
            <option value="">{t('all')}</option>
            {(cats.data?.items ?? []).map((c) => (
              <option key={c.slug} value={c.slug}>
                {lang === 'zh-CN' ? c.name_zh : c.name_en}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary">
          {t('search')}
        </button>
      </form>
      <PagedStatus list={list} />
      <div class="grid-head" aria-hidden="true">
        <span>{t('products.name')}</span>
        <span>{t('products.sku')}</span>
        <span>{t('products.category')}</span>
        <span class="num">{t('products.price')}</span>
        <span class="num">{t('products.stock')}</span>
      </div>
      <VirtualList
        items={list.items}
        rowHeight={48}
        label={t('products.title')}
        onEnd={list.loadMore}
        height="calc(100vh - 300px)"
        render={(p) => (
          <div class="grid-row">
            <span class="ellipsis" title={lang === 'zh-CN' ? p.title_zh : p.title_en}>
              {lang === 'zh-CN' ? p.title_zh || p.title_en : p.title_en || p.title_zh}
              {p.brand && <small class="muted"> · {p.brand}</small>}
            </span>
            <span class="mono small">{p.sku}</span>
            <span>{catName(p.category)}</span>
            <span class="num">{money(p.price_cents, lang)}</span>
            <span class={`num ${p.stock <= 0 ? 'warn' : ''}`}>{p.stock}</span>
          </div>
        )}
      />
      {list.busy && <Loading />}
    </section>
  )
}
