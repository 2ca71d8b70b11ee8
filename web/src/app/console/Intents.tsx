// Intents and models: the intents the bot knows with their training examples and agents'
// corrections, every trained model version with its held-out metrics, a retrain button, and
// activation of any stored version (rollback).
import { useEffect, useRef, useState } from 'preact/hooks'
import { dateTime } from '../../shared/format'
import { api, query, type Page } from '../api'
import { useApp } from '../state'
import { ErrorBox, Loading, useAsync } from '../ui'
import { SaveStatus, useSave } from './kit'
import { useCT, type ConsoleKey } from './messages'
import { useAllowed } from './perms'

interface Metrics {
  accuracy: number
  macro_f1: number
  in_scope_accuracy?: number | null
  oos_recall?: number | null
  n_train: number
  n_test: number
  predict_p99_us: number
  train_seconds: number
}

interface ModelVersion {
  task: string
  version: number
  metrics: Metrics
  n_examples: number
  active: boolean
  note?: string
  created_at: string
}

interface Examples {
  intent: string
  shipped: string[] | null
  shipped_total: number
  corrections: { id: number; text: string; lang: string; message_id: number | null; created_at: string }[] | null
}

const pct = (x: number | null | undefined) => (x == null ? '—' : (x * 100).toFixed(1) + '%')

export function Intents() {
  const t = useCT()
  const { has } = useApp()
  const allowed = useAllowed()
  const intents = useAsync(() => api<Page<string>>('GET', '/api/v1/nlu/intents'), [])
  const [picked, setPicked] = useState('')
  const canModels = allowed('GET', '/api/v1/nlu/models')
  const hasExamples = has('/api/v1/nlu/examples')
  return (
    <section class="full-pane" aria-labelledby="nlu-title" data-testid="intents">
      <h1 id="nlu-title">{t('nlu.title')}</h1>
      {canModels && <Models />}
      <h2 id="nlu-intents">{t('nlu.intents')}</h2>
      <p class="muted">{t('nlu.intentsIntro')}</p>
      {intents.error != null && <ErrorBox error={intents.error} onRetry={intents.reload} />}
      {intents.loading && !intents.data && <Loading />}
      {intents.data && (
        <div class="intent-grid">
          <ul class="intent-list" aria-labelledby="nlu-intents">
            {intents.data.items.map((name) => (
              <li key={name}>
                {hasExamples ? (
                  <button type="button" class={'intent-btn' + (picked === name ? ' active' : '')} aria-pressed={picked === name} onClick={() => setPicked(name)}>
                    {name}
                  </button>
                ) : (
                  <span class="mono">{name}</span>
                )}
              </li>
            ))}
          </ul>
          {hasExamples && picked && <IntentExamples intent={picked} />}
        </div>
      )}
    </section>
  )
}

function IntentExamples({ intent }: { intent: string }) {
  const t = useCT()
  const { lang } = useApp()
  const allowed = useAllowed()
  const ex = useAsync(() => api<Examples>('GET', '/api/v1/nlu/examples' + query({ intent, limit: 50 })), [intent])
  const [confirming, setConfirming] = useState<number | null>(null)
  const del = useSave()
  const canDelete = allowed('DELETE', '/api/v1/nlu/examples/{id}')
  if (ex.error != null) return <ErrorBox error={ex.error} onRetry={ex.reload} />
  if (!ex.data) return <Loading />
  const shipped = ex.data.shipped ?? []
  const corr = ex.data.corrections ?? []
  const remove = async (id: number) => {
    const r = await del.run(() => api('DELETE', `/api/v1/nlu/examples/${id}`).then(() => true), t('nlu.correctionDeleted'))
    if (r) {
      setConfirming(null)
      ex.reload()
    }
  }
  return (
    <div class="intent-detail" data-testid="intent-examples" aria-live="polite">
      <h3 class="mono">{intent}</h3>
      <h4>
        {t('nlu.corrections')} ({corr.length})
      </h4>
      {corr.length === 0 ? (
        <p class="muted small">{t('nlu.noExamples')}</p>
      ) : (
        <table class="table small" data-testid="intent-corrections">
          <tbody>
            {corr.map((c) => (
              <tr key={c.id} data-example={c.id}>
                <td>{c.text}</td>
                <td>{c.lang}</td>
                <td>{dateTime(c.created_at, lang)}</td>
                {canDelete && (
                  <td>
                    {confirming === c.id ? (
                      <span role="group" aria-label={t('nlu.deleteCorrection')}>
                        <span class="small">{t('nlu.confirmDelete')}</span>{' '}
                        <button type="button" class="danger" disabled={del.busy} onClick={() => remove(c.id)} data-testid="correction-delete-confirm">
                          {t('confirm')}
                        </button>{' '}
                        <button type="button" class="ghost" onClick={() => setConfirming(null)}>
                          {t('cancel')}
                        </button>
                      </span>
                    ) : (
                      <button type="button" class="link" onClick={() => setConfirming(c.id)} data-testid="correction-delete">
                        {t('nlu.deleteCorrection')}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <SaveStatus error={del.error} ok={del.ok} />
      <h4>
        {t('nlu.examples')} ({ex.data.shipped_total})
      </h4>
      {shipped.length > 0 && <p class="muted small">{t('nlu.shippedNote', { n: shipped.length })}</p>}
      {shipped.length === 0 ? (
        <p class="muted small">{t('nlu.noExamples')}</p>
      ) : (
        <ul class="small example-list">
          {shipped.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

function Models() {
  const t = useCT()
  const { lang } = useApp()
  const allowed = useAllowed()
  const [task, setTask] = useState<'intent' | 'sentiment'>('intent')
  const models = useAsync(() => api<Page<ModelVersion>>('GET', '/api/v1/nlu/models' + query({ task })), [task])
  const save = useSave()
  const [waitingAbove, setWaitingAbove] = useState<number | null>(null)
  const [done, setDone] = useState<number | null>(null)
  const polls = useRef(0)
  const canTrain = allowed('POST', '/api/v1/nlu/retrain')
  const latest = Math.max(0, ...(models.data?.items ?? []).map((m) => m.version))

  // After queueing a retrain, poll until a newer version is stored (at most ~3 minutes).
  useEffect(() => {
    if (waitingAbove == null) return
    if (latest > waitingAbove) {
      setDone(latest)
      setWaitingAbove(null)
      return
    }
    if (polls.current > 90) return
    const h = setTimeout(() => {
      polls.current++
      models.reload()
    }, 2000)
    return () => clearTimeout(h)
  }, [waitingAbove, models.data])

  const retrain = async () => {
    polls.current = 0
    setDone(null)
    const r = await save.run(() => api<{ status: string }>('POST', '/api/v1/nlu/retrain', { task }), t('nlu.retrainQueued'))
    if (r) setWaitingAbove(latest)
  }
  const activate = async (v: number) => {
    setDone(null)
    await save.run(() => api('POST', `/api/v1/nlu/models/${v}/activate`, { task }), t('nlu.activated', { n: v }))
    models.reload()
  }

  return (
    <section class="panel-form" aria-labelledby="nlu-models" data-testid="nlu-models">
      <div class="row-between">
        <h2 id="nlu-models">{t('nlu.models')}</h2>
        <div role="group" aria-label={t('nlu.task')} class="seg">
          {(['intent', 'sentiment'] as const).map((k) => (
            <button key={k} type="button" class={task === k ? 'active' : ''} aria-pressed={task === k} onClick={() => setTask(k)}>
              {t(`nlu.task.${k}` as ConsoleKey)}
            </button>
          ))}
        </div>
      </div>
      {models.error != null && <ErrorBox error={models.error} onRetry={models.reload} />}
      {models.loading && !models.data && <Loading />}
      {models.data && models.data.items.length === 0 && <p class="muted">{t('nlu.noModels')}</p>}
      {models.data && models.data.items.length > 0 && (
        <table class="table" data-testid="model-table">
          <thead>
            <tr>
              <th scope="col">{t('nlu.version')}</th>
              <th scope="col" class="num">
                {t('nlu.accuracy')}
              </th>
              <th scope="col" class="num">
                {t('nlu.macroF1')}
              </th>
              {task === 'intent' && (
                <>
                  <th scope="col" class="num">
                    {t('nlu.inScope')}
                  </th>
                  <th scope="col" class="num">
                    {t('nlu.oosRecall')}
                  </th>
                </>
              )}
              <th scope="col" class="num">
                {t('nlu.examplesN')}
              </th>
              <th scope="col" class="num">
                {t('nlu.testN')}
              </th>
              <th scope="col" class="num">
                {t('nlu.latency')}
              </th>
              <th scope="col">{t('nlu.trained')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {models.data.items.map((m) => (
              <tr key={m.version} class={m.active ? 'selected' : ''}>
                <td>
                  v{m.version} {m.active && <span class="badge st-delivered">{t('nlu.active')}</span>}
                </td>
                <td class="num" data-metric="accuracy">
                  {pct(m.metrics.accuracy)}
                </td>
                <td class="num">{pct(m.metrics.macro_f1)}</td>
                {task === 'intent' && (
                  <>
                    <td class="num">{pct(m.metrics.in_scope_accuracy)}</td>
                    <td class="num">{pct(m.metrics.oos_recall)}</td>
                  </>
                )}
                <td class="num">{m.n_examples}</td>
                <td class="num">{m.metrics.n_test}</td>
                <td class="num">{m.metrics.predict_p99_us ? Math.round(m.metrics.predict_p99_us) + ' µs' : '—'}</td>
                <td class="small">
                  {dateTime(m.created_at, lang)}
                  {m.note && <div class="muted">{m.note}</div>}
                </td>
                <td>
                  {!m.active && canTrain && (
                    <button type="button" class="link" onClick={() => activate(m.version)} disabled={save.busy}>
                      {m.version < latest ? t('nlu.rollback') : t('nlu.activate')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <SaveStatus error={save.error} ok={done != null ? t('nlu.retrainDone', { n: done }) : save.ok} />
      {canTrain && (
        <button type="button" class="primary" onClick={retrain} disabled={save.busy || waitingAbove != null} data-testid="retrain">
          {waitingAbove != null ? t('saving') : t('nlu.retrain')}
        </button>
      )}
    </section>
  )
}
