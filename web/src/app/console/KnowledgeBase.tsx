// Knowledge-base editor: filterable article list, an editor with a live Markdown preview,
// question variants, tags, category, audience, status, translations, version history, and bulk
// import / export. Saving sends the version being edited, so a concurrent edit is reported
// (409 stale_version) instead of silently overwritten.
import { useEffect, useMemo, useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, ApiError, csrf, query, type Page } from '../api'
import { navigate } from '../router'
import { useApp } from '../state'
import { A, ErrorBox, Field, Loading, useAsync } from '../ui'
import { Err, fieldError, inputValue, SaveStatus, splitList, useSave } from './kit'
import { renderMarkdown } from './markdown'
import { useCT, type ConsoleKey } from './messages'
import { useAllowed } from './perms'

export interface Article {
  id: number
  translation_key: string
  lang: 'zh' | 'en'
  title: string
  questions: string[] | null
  answer: string
  category: string
  tags: string[] | null
  status: 'draft' | 'published' | 'archived'
  audience: string[] | null
  version: number
  author_id: number | null
  created_at: string
  updated_at: string
  translations?: { id: number; lang: string; title: string }[] | null
}

interface Version {
  version: number
  title: string
  questions: string[] | null
  answer: string
  category: string
  tags: string[] | null
  status: string
  author_id: number | null
  created_at: string
}

interface ImportReport {
  created: number
  updated: number
  errors: { file?: string; line: number; field?: string; code: string; message: string }[] | null
}

const STATUSES = ['draft', 'published', 'archived'] as const
const LANGS = ['zh', 'en'] as const
const TIERS = ['regular', 'silver', 'gold', 'vip'] as const
const BASE = '/api/v1/kb/articles'

export function KnowledgeBase({ id }: { id?: number | 'new' }) {
  const t = useCT()
  const app = useApp()
  const allowed = useAllowed()
  const [filters, setFilters] = useState({ q: '', lang: '', status: '', category: '', tag: '' })
  const list = useAsync(() => api<Page<Article>>('GET', BASE + query({ ...filters, limit: 200, sort: '-updated_at' })), [JSON.stringify(filters)])
  const set = (k: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [k]: inputValue(e) })
  const canWrite = allowed('POST', BASE)

  return (
    <div class="split console-kb" data-testid="kb">
      <section class="list-pane" aria-labelledby="kb-title">
        <div class="row-between">
          <h1 id="kb-title">{t('kb.title')}</h1>
          {canWrite && (
            <A href="/console/kb/new" class="primary button-link">
              {t('kb.new')}
            </A>
          )}
        </div>
        <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <Field label={t('kb.searchTitle')}>
            <input type="search" value={filters.q} onInput={set('q')} name="kb-q" />
          </Field>
          <Field label={t('kb.lang')}>
            <select value={filters.lang} onChange={set('lang')} name="kb-lang">
              <option value="">{app.t('all')}</option>
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {t(`kb.lang.${l}` as ConsoleKey)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('kb.status')}>
            <select value={filters.status} onChange={set('status')} name="kb-status">
              <option value="">{app.t('all')}</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {t(`kb.st.${s}` as ConsoleKey)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('kb.category')}>
            <input value={filters.category} onInput={set('category')} name="kb-category" />
          </Field>
          <Field label={t('kb.tag')}>
            <input value={filters.tag} onInput={set('tag')} name="kb-tag" />
          </Field>
        </form>
        {list.error != null && <ErrorBox error={list.error} onRetry={list.reload} />}
        {list.loading && !list.data && <Loading />}
        {list.data && list.data.items.length === 0 && <p class="muted">{t('kb.noArticles')}</p>}
        {list.data && list.data.items.length > 0 && (
          <ul class="kb-list" aria-label={t('kb.list')}>
            {list.data.items.map((a) => (
              <li key={a.id}>
                <A href={`/console/kb/${a.id}`} class="kb-item" current={id === a.id}>
                  <span class="kb-item-title">{a.title}</span>
                  <span class="small muted">
                    <span class={`badge kb-st-${a.status}`}>{t(`kb.st.${a.status}` as ConsoleKey)}</span> {a.lang} · {a.category || '—'} · v{a.version}
                  </span>
                </A>
              </li>
            ))}
          </ul>
        )}
        {list.data && (
          <p class="small muted" role="status">
            {app.t(list.data.has_more ? 'countMore' : 'count', { n: list.data.items.length })}
          </p>
        )}
        {canWrite && <ImportExport onImported={list.reload} />}
      </section>
      <div class="detail-pane">
        {id === undefined ? (
          <p class="muted">{t('kb.pick')}</p>
        ) : (
          <ArticleEditor key={String(id)} id={id} onSaved={list.reload} canWrite={canWrite} />
        )}
      </div>
    </div>
  )
}

interface Form {
  title: string
  lang: 'zh' | 'en'
  translation_key: string
  category: string
  tags: string
  audience: string[]
  status: string
  questions: string
  answer: string
}

const emptyForm = (p: URLSearchParams): Form => ({
  title: p.get('title') ?? '',
  lang: p.get('lang') === 'en' ? 'en' : 'zh',
  translation_key: p.get('translation_key') ?? '',
  category: p.get('category') ?? '',
  tags: p.get('tags') ?? '',
  audience: [],
  status: 'draft',
  questions: '',
  answer: '',
})

const formOf = (a: { title: string; category: string; tags: string[] | null; status: string; questions: string[] | null; answer: string }, base: Form): Form => ({
  ...base,
  title: a.title,
  category: a.category,
  tags: (a.tags ?? []).join(', '),
  status: a.status,
  questions: (a.questions ?? []).join('\n'),
  answer: a.answer,
})

function ArticleEditor({ id, onSaved, canWrite }: { id: number | 'new'; onSaved: () => void; canWrite: boolean }) {
  const t = useCT()
  const app = useApp()
  const isNew = id === 'new'
  const [article, setArticle] = useState<Article | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [form, setForm] = useState<Form>(() => emptyForm(new URLSearchParams(location.search)))
  const [viewing, setViewing] = useState<Version | null>(null)
  const [nVersions, setNVersions] = useState(0)
  const save = useSave()
  const stale = save.error instanceof ApiError && save.error.code === 'stale_version'

  const load = () => {
    if (isNew) return
    setLoadError(null)
    api<Article>('GET', `${BASE}/${id}`).then((a) => {
      setArticle(a)
      setForm(formOf(a, { ...emptyForm(new URLSearchParams()), lang: a.lang, translation_key: a.translation_key, audience: a.audience ?? [] }))
      setNVersions((n) => n + 1)
    }, setLoadError)
  }
  useEffect(load, [id])

  const set = (k: keyof Form) => (e: Event) => setForm({ ...form, [k]: inputValue(e) })
  const toggleTier = (tier: string) => setForm({ ...form, audience: form.audience.includes(tier) ? form.audience.filter((x) => x !== tier) : [...form.audience, tier] })
  const preview = useMemo(() => renderMarkdown(form.answer), [form.answer])
  const err = (f: string) => fieldError(save.error, f)

  const submit = async (e: Event) => {
    e.preventDefault()
    const body = {
      title: form.title,
      lang: form.lang,
      translation_key: form.translation_key,
      category: form.category,
      tags: splitList(form.tags),
      audience: form.audience,
      status: form.status,
      questions: splitList(form.questions, /\n/),
      answer: form.answer,
    }
    if (isNew) {
      const a = await save.run(() => api<Article>('POST', BASE, body), t('kb.created'))
      if (a) {
        onSaved()
        navigate(`/console/kb/${a.id}`)
      }
      return
    }
    const a = await save.run(() => api<Article>('PATCH', `${BASE}/${id}`, { ...body, version: article?.version ?? 0 }), t('saved'))
    if (a) {
      setArticle({ ...a, translations: a.translations ?? article?.translations })
      setNVersions((n) => n + 1)
      setViewing(null)
      onSaved()
    }
  }

  const archive = async () => {
    const a = await save.run(() => api<Article>('DELETE', `${BASE}/${id}`), t('kb.archived'))
    if (a) {
      setArticle(a)
      setForm({ ...form, status: a.status })
      setNVersions((n) => n + 1)
      onSaved()
    }
  }

  if (loadError != null) return <ErrorBox error={loadError} onRetry={load} />
  if (!isNew && !article) return <Loading />

  const otherLang = form.lang === 'zh' ? 'en' : 'zh'
  const hasOther = article?.translations?.some((x) => x.lang === otherLang)
  const titleId = 'kb-editor-title'
  return (
    <section aria-labelledby={titleId} data-testid="kb-editor">
      <div class="row-between">
        <h2 id={titleId}>{isNew ? t('kb.new') : article!.title}</h2>
        {article && (
          <span class="muted small" data-testid="kb-version">
            {t('kb.version', { n: article.version })} · {dateTime(article.updated_at, app.lang)}
          </span>
        )}
      </div>
      <form onSubmit={submit} class="stack" aria-describedby={canWrite ? undefined : 'kb-ro'} noValidate>
        <fieldset disabled={!canWrite || save.busy} class="plain">
          <div class="form-grid">
            <label class="field">
              <span>{t('kb.articleTitle')}</span>
              <input name="title" required maxLength={200} value={form.title} onInput={set('title')} aria-invalid={!!err('title')} aria-describedby="e-title" />
              <Err id="e-title" msg={err('title')} />
            </label>
            <label class="field">
              <span>{t('kb.lang')}</span>
              <select name="lang" value={form.lang} onChange={set('lang')} disabled={!isNew} aria-describedby="e-lang">
                {LANGS.map((l) => (
                  <option key={l} value={l}>
                    {t(`kb.lang.${l}` as ConsoleKey)}
                  </option>
                ))}
              </select>
              <Err id="e-lang" msg={err('lang')} />
            </label>
            <label class="field">
              <span>{t('kb.category')}</span>
              <input name="category" value={form.category} onInput={set('category')} aria-invalid={!!err('category')} aria-describedby="e-category" />
              <Err id="e-category" msg={err('category')} />
            </label>
            <label class="field">
              <span>{t('kb.tags')}</span>
              <input name="tags" value={form.tags} onInput={set('tags')} aria-invalid={!!err('tags')} aria-describedby="e-tags" />
              <Err id="e-tags" msg={err('tags')} />
            </label>
            <label class="field">
              <span>{t('kb.status')}</span>
              <select name="status" value={form.status} onChange={set('status')} aria-describedby="e-status">
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`kb.st.${s}` as ConsoleKey)}
                  </option>
                ))}
              </select>
              <Err id="e-status" msg={err('status')} />
            </label>
            <label class="field">
              <span>{t('kb.translationKey')}</span>
              <input name="translation_key" value={form.translation_key} onInput={set('translation_key')} aria-invalid={!!err('translation_key')} aria-describedby="e-tk h-tk" />
              <small class="muted" id="h-tk">
                {t('kb.translationKeyHelp')}
              </small>
              <Err id="e-tk" msg={err('translation_key')} />
            </label>
          </div>
          <fieldset class="events">
            <legend>{t('kb.audience')}</legend>
            {TIERS.map((tier) => (
              <label class="check" key={tier}>
                <input type="checkbox" name={`audience-${tier}`} checked={form.audience.includes(tier)} onChange={() => toggleTier(tier)} /> {app.t(`tier.${tier}` as 'tier.vip')}
              </label>
            ))}
            <Err id="e-audience" msg={err('audience')} />
          </fieldset>
          <label class="field">
            <span>{t('kb.questions')}</span>
            <textarea name="questions" rows={4} value={form.questions} onInput={set('questions')} aria-invalid={!!err('questions')} aria-describedby="e-questions" />
            <Err id="e-questions" msg={err('questions')} />
          </label>
          <div class="md-split">
            <label class="field">
              <span>{t('kb.answer')}</span>
              <textarea name="answer" rows={12} value={form.answer} onInput={set('answer')} aria-invalid={!!err('answer')} aria-describedby="e-answer" />
              <Err id="e-answer" msg={err('answer')} />
            </label>
            <div class="field">
              <span id="kb-preview-label">{t('kb.preview')}</span>
              <div class="md-preview" aria-labelledby="kb-preview-label" data-testid="kb-preview" dangerouslySetInnerHTML={{ __html: preview }} />
            </div>
          </div>
        </fieldset>
        {stale ? (
          <div class="error" role="alert">
            {t('kb.stale')}{' '}
            <button type="button" class="link" onClick={() => (save.clear(), load())}>
              {t('kb.reload')}
            </button>
          </div>
        ) : (
          <SaveStatus error={save.error} ok={save.ok} fields={['title', 'lang', 'category', 'tags', 'status', 'translation_key', 'audience', 'questions', 'answer']} />
        )}
        {canWrite && (
          <div class="actions">
            <button type="submit" class="primary" disabled={save.busy} data-testid="kb-save">
              {save.busy ? t('saving') : app.t(isNew ? 'create' : 'save')}
            </button>
            {article && article.status !== 'archived' && (
              <button type="button" class="ghost" onClick={archive} disabled={save.busy}>
                {t('kb.archive')}
              </button>
            )}
          </div>
        )}
      </form>

      {article && (
        <>
          <h3>{t('kb.translations')}</h3>
          {article.translations && article.translations.length > 0 ? (
            <ul class="plain-list">
              {article.translations.map((x) => (
                <li key={x.id}>
                  <A href={`/console/kb/${x.id}`}>
                    [{x.lang}] {x.title}
                  </A>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted small">{t('kb.noTranslation')}</p>
          )}
          {canWrite && !hasOther && (
            <p>
              <A
                href={'/console/kb/new' + query({ lang: otherLang, translation_key: article.translation_key, category: article.category, tags: (article.tags ?? []).join(', ') })}
                class="ghost button-link"
              >
                {t('kb.addTranslation', { lang: t(`kb.lang.${otherLang}` as ConsoleKey) })}
              </A>
            </p>
          )}
          <Usage id={article.id} />
          <Versions id={article.id} current={article.version} refresh={nVersions} viewing={viewing} onView={setViewing} />
          {viewing && (
            <div class="version-view" data-testid="kb-version-view" aria-live="polite">
              <h4>{t('kb.viewingVersion', { n: viewing.version, date: dateTime(viewing.created_at, app.lang) })}</h4>
              <p>
                <strong>{viewing.title}</strong> · <span class={`badge kb-st-${viewing.status}`}>{t(`kb.st.${viewing.status}` as ConsoleKey)}</span> · {viewing.category}
              </p>
              {(viewing.questions ?? []).length > 0 && <p class="small muted">{(viewing.questions ?? []).join(' · ')}</p>}
              <div class="md-preview" dangerouslySetInnerHTML={{ __html: renderMarkdown(viewing.answer) }} />
              {canWrite && (
                <button type="button" class="ghost" onClick={() => setForm(formOf(viewing, form))}>
                  {t('kb.restore')}
                </button>
              )}
            </div>
          )}
        </>
      )}
    </section>
  )
}

function Versions({ id, current, refresh, viewing, onView }: { id: number; current: number; refresh: number; viewing: Version | null; onView: (v: Version | null) => void }) {
  const t = useCT()
  const { lang } = useApp()
  const vs = useAsync(() => api<Version[]>('GET', `${BASE}/${id}/versions`), [id, refresh])
  return (
    <>
      <h3 id="kb-versions">{t('kb.versions')}</h3>
      {vs.error != null && <ErrorBox error={vs.error} onRetry={vs.reload} />}
      {vs.data && (
        <table class="table small" aria-labelledby="kb-versions" data-testid="kb-versions">
          <tbody>
            {vs.data.map((v) => (
              <tr key={v.version} class={viewing?.version === v.version ? 'selected' : ''}>
                <td>
                  {t('kb.version', { n: v.version })}
                  {v.version === current && <span class="badge">{t('kb.current')}</span>}
                </td>
                <td>{v.title}</td>
                <td>{t(`kb.st.${v.status}` as ConsoleKey)}</td>
                <td>{dateTime(v.created_at, lang)}</td>
                <td>
                  <button type="button" class="link" onClick={() => onView(viewing?.version === v.version ? null : v)} aria-pressed={viewing?.version === v.version} data-version={v.version}>
                    {t('view')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function Usage({ id }: { id: number }) {
  const t = useCT()
  const u = useAsync(() => api<{ counts: Record<string, number> | null; helpful_rate: number | null }>('GET', `${BASE}/${id}/usage`), [id])
  if (!u.data) return null
  const counts = Object.entries(u.data.counts ?? {})
  return (
    <p class="small muted">
      {t('kb.usage')}: {counts.length ? counts.map(([k, v]) => `${k} ${v}`).join(' · ') : '—'}
      {u.data.helpful_rate != null && ` · ${t('kb.helpful')} ${Math.round(u.data.helpful_rate * 100)}%`}
    </p>
  )
}

function ImportExport({ onImported }: { onImported: () => void }) {
  const t = useCT()
  const save = useSave()
  const [report, setReport] = useState<ImportReport | null>(null)
  const [mdBusy, setMdBusy] = useState(false)

  const importFiles = async (e: Event) => {
    const input = e.target as HTMLInputElement
    const files = Array.from(input.files ?? [])
    if (!files.length) return
    setReport(null)
    const csv = files.find((f) => f.name.toLowerCase().endsWith('.csv'))
    const r = await save.run(async () => {
      if (csv) {
        const res = await fetch('/api/v1/kb/import?format=csv', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': csrf() },
          body: await csv.text(),
        })
        const data = await res.json().catch(() => null)
        if (!res.ok) throw new ApiError(res.status, data?.error?.code ?? 'http_' + res.status, data?.error?.message ?? res.statusText, data?.error?.field)
        return data as ImportReport
      }
      const md = await Promise.all(files.map(async (f) => ({ name: f.name, content: await f.text() })))
      return api<ImportReport>('POST', '/api/v1/kb/import?format=markdown', { files: md })
    }, '')
    input.value = ''
    if (r) {
      setReport(r)
      onImported()
    }
  }

  const exportMarkdown = async () => {
    setMdBusy(true)
    try {
      const data = await api<unknown>('GET', '/api/v1/kb/export?format=markdown')
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }))
      const a = document.createElement('a')
      a.href = url
      a.download = 'kb-markdown.json'
      a.click()
      setTimeout(() => URL.revokeObjectURL(url), 1000)
    } catch (err) {
      save.setError(err)
    } finally {
      setMdBusy(false)
    }
  }

  return (
    <details class="kb-io">
      <summary>
        {t('kb.import')} / {t('kb.export')}
      </summary>
      <label class="field">
        <span>{t('kb.importFile')}</span>
        <input type="file" accept=".csv,.md,.markdown,text/csv,text/markdown" multiple onChange={importFiles} name="kb-import" aria-describedby="kb-import-help" />
        <small class="muted" id="kb-import-help">
          {t('kb.importHelp')}
        </small>
      </label>
      <SaveStatus error={save.error} ok="" />
      {report && (
        <div class="ok" role="status" data-testid="kb-import-report">
          {t('kb.importDone', { created: report.created, updated: report.updated, errors: report.errors?.length ?? 0 })}
          {(report.errors ?? []).length > 0 && (
            <ul class="small">
              {report.errors!.slice(0, 20).map((r, i) => (
                <li key={i}>{t('kb.importRow', { file: r.file ?? '', line: r.line, message: r.field ? `${r.field}: ${r.message}` : r.message })}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <p class="actions">
        <a href="/api/v1/kb/export?format=csv" class="ghost button-link" download="kb.csv">
          {t('kb.exportCsv')}
        </a>
        <button type="button" class="ghost" onClick={exportMarkdown} disabled={mdBusy}>
          {t('kb.exportMd')}
        </button>
      </p>
    </details>
  )
}
