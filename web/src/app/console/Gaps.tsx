// Knowledge gaps: clusters of questions the bot could not answer, most asked first, each with
// its examples and a "create article" form prefilled from the cluster.
import { useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, query } from '../api'
import { navigate } from '../router'
import { useApp } from '../state'
import { ErrorBox, Field, Loading, useAsync } from '../ui'
import type { Article } from './KnowledgeBase'
import { Err, fieldError, inputValue, SaveStatus, useSave } from './kit'
import { useCT, type ConsoleKey } from './messages'

interface Gap {
  question: string
  lang: string
  count: number
  examples: string[] | null
  question_ids: number[]
  first_at: string
  last_at: string
}

export function Gaps() {
  const t = useCT()
  const app = useApp()
  const [lang, setLang] = useState('')
  const gaps = useAsync(() => api<Gap[]>('GET', '/api/v1/kb/gaps' + query({ lang, limit: 100 })), [lang])
  const [open, setOpen] = useState<number | null>(null)
  return (
    <section class="full-pane" aria-labelledby="gaps-title" data-testid="gaps">
      <h1 id="gaps-title">{t('gaps.title')}</h1>
      <p class="muted">{t('gaps.intro')}</p>
      <div class="filters">
        <Field label={t('kb.lang')}>
          <select value={lang} onChange={(e) => setLang(inputValue(e))} name="gaps-lang">
            <option value="">{app.t('all')}</option>
            <option value="zh">{t('kb.lang.zh')}</option>
            <option value="en">{t('kb.lang.en')}</option>
          </select>
        </Field>
      </div>
      {gaps.error != null && <ErrorBox error={gaps.error} onRetry={gaps.reload} />}
      {gaps.loading && !gaps.data && <Loading />}
      {gaps.data && gaps.data.length === 0 && <p class="muted">{t('gaps.none')}</p>}
      {gaps.data && gaps.data.length > 0 && (
        <ol class="gap-list">
          {gaps.data.map((g, i) => (
            <li key={g.question_ids.join(',')} class="gap" data-testid="gap">
              <div class="row-between">
                <h2 class="gap-q">{g.question}</h2>
                <span class="badge" aria-label={t('gaps.asked', { n: g.count })}>
                  {t('gaps.asked', { n: g.count })}
                </span>
              </div>
              <p class="small muted">
                {t(`kb.lang.${g.lang}` as ConsoleKey)} · {t('gaps.last', { date: dateTime(g.last_at, app.lang) })}
              </p>
              {(g.examples ?? []).length > 0 && (
                <details>
                  <summary>{t('gaps.examples')}</summary>
                  <ul class="small">
                    {(g.examples ?? []).map((x, j) => (
                      <li key={j}>{x}</li>
                    ))}
                  </ul>
                </details>
              )}
              {open === i ? (
                <GapArticleForm gap={g} onCancel={() => setOpen(null)} />
              ) : (
                <button type="button" class="ghost" onClick={() => setOpen(i)} data-testid="gap-create">
                  {t('gaps.createArticle')}
                </button>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}

function GapArticleForm({ gap, onCancel }: { gap: Gap; onCancel: () => void }) {
  const t = useCT()
  const app = useApp()
  const [form, setForm] = useState({ title: gap.question, category: '', answer: '' })
  const save = useSave()
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: inputValue(e) })
  const submit = async (e: Event) => {
    e.preventDefault()
    const a = await save.run(() => api<Article>('POST', '/api/v1/kb/gaps/article', { ...form, lang: gap.lang, question_ids: gap.question_ids }), t('kb.created'))
    if (a) navigate(`/console/kb/${a.id}`)
  }
  const err = (f: string) => fieldError(save.error, f)
  return (
    <form class="stack gap-form" onSubmit={submit} noValidate>
      <p class="small muted">{t('gaps.createHelp')}</p>
      <label class="field">
        <span>{t('kb.articleTitle')}</span>
        <input name="title" value={form.title} onInput={set('title')} aria-describedby="eg-title" />
        <Err id="eg-title" msg={err('title')} />
      </label>
      <label class="field">
        <span>{t('kb.category')}</span>
        <input name="category" value={form.category} onInput={set('category')} aria-describedby="eg-category" />
        <Err id="eg-category" msg={err('category')} />
      </label>
      <label class="field">
        <span>{t('kb.answer')}</span>
        <textarea name="answer" rows={5} value={form.answer} onInput={set('answer')} aria-describedby="eg-answer" />
        <Err id="eg-answer" msg={err('answer')} />
      </label>
      <SaveStatus error={save.error} ok={save.ok} fields={['title', 'category', 'answer']} />
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          {app.t('create')}
        </button>
        <button type="button" class="ghost" onClick={onCancel}>
          {app.t('cancel')}
        </button>
      </div>
    </form>
  )
}
