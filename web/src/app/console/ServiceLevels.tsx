// SLA policies, business hours with the holiday calendar, and priority rules. Each block loads
// its settings, edits them locally and replaces them with PUT; the server validates and names
// the field at fault, which is shown next to it.
import { useEffect, useState } from 'preact/hooks'
import { api } from '../api'
import { useApp } from '../state'
import { ErrorBox, Loading } from '../ui'
import { Err, fieldError, formatMap, inputValue, parseMap, ReadOnlyNote, SaveStatus, Section, useSave } from './kit'
import { useCT, type ConsoleKey } from './messages'
import { useAllowed } from './perms'

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
const TIERS = ['', 'regular', 'silver', 'gold', 'vip'] as const
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const

/** shortDuration turns Go's "8h0m0s" into "8h" and "1h30m0s" into "1h30m". */
export function shortDuration(s: string): string {
  const out = s.replace(/(\d)m0s$/, '$1m').replace(/(\d)h0m$/, '$1h')
  return out === '0s' ? '0' : out
}

/** useSettings loads one settings document and offers save (PUT) for it. */
function useSettings<T>(path: string) {
  const [data, setData] = useState<T | null>(null)
  const [loadError, setLoadError] = useState<unknown>(null)
  const save = useSave()
  const load = () => {
    setLoadError(null)
    api<T>('GET', path).then(setData, setLoadError)
  }
  useEffect(load, [path])
  const put = async (body: T, ok: string) => {
    const r = await save.run(() => api<T>('PUT', path, body), ok)
    if (r) setData(r)
    return r
  }
  return { data, setData, loadError, load, save, put }
}

export function ServiceLevels() {
  const t = useCT()
  return (
    <div class="full-pane" data-testid="service-levels">
      <h1>{t('sla.title')}</h1>
      <Policies />
      <Hours />
      <PriorityRules />
    </div>
  )
}

interface SLAPolicy {
  name: string
  priority: string
  tier?: string
  first_response: string
  resolution: string
  warn_at_percent: number
  on_breach?: string[] | null
}

function Policies() {
  const t = useCT()
  const app = useApp()
  const path = '/api/v1/settings/sla-policies'
  const canWrite = useAllowed()('PUT', path)
  const s = useSettings<{ policies: SLAPolicy[] }>(path)
  if (s.loadError != null) return <ErrorBox error={s.loadError} onRetry={s.load} />
  if (!s.data) return <Loading />
  const ps = s.data.policies
  const update = (i: number, k: keyof SLAPolicy, v: unknown) => s.setData({ policies: ps.map((p, j) => (j === i ? { ...p, [k]: v } : p)) })
  const err = (i: number, f: string) => fieldError(s.save.error, `policies[${i}].${f}`)
  const rowErr = (i: number) => (s.save.error && (s.save.error as { field?: string }).field === `policies[${i}]` ? (s.save.error as Error).message : undefined)
  const submit = (e: Event) => {
    e.preventDefault()
    s.put({ policies: ps.map((p) => ({ ...p, tier: p.tier || undefined })) }, t('saved'))
  }
  const cell = (i: number, k: 'name' | 'first_response' | 'resolution', label: string, size = 8) => {
    const id = `sla-${i}-${k}`
    const e = err(i, k)
    return (
      <td>
        <input id={id} size={size} value={k === 'name' ? ps[i][k] : shortDuration(ps[i][k])} onInput={(ev) => update(i, k, inputValue(ev))} aria-label={`${label} #${i + 1}`} aria-invalid={!!e} aria-describedby={id + '-e'} />
        <Err id={id + '-e'} msg={e} />
      </td>
    )
  }
  return (
    <Section id="sla-policies" title={t('sla.policies')} intro={t('sla.policiesIntro')}>
      <ReadOnlyNote show={!canWrite} />
      <form onSubmit={submit} noValidate>
        <fieldset disabled={!canWrite || s.save.busy} class="plain">
          <div class="table-scroll">
            <table class="table" data-testid="sla-table">
              <thead>
                <tr>
                  <th scope="col">{t('sla.name')}</th>
                  <th scope="col">{t('sla.priority')}</th>
                  <th scope="col">{t('sla.tier')}</th>
                  <th scope="col">{t('sla.firstResponse')}</th>
                  <th scope="col">{t('sla.resolution')}</th>
                  <th scope="col">{t('sla.warnAt')}</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {ps.map((p, i) => (
                  <tr key={i}>
                    {cell(i, 'name', t('sla.name'), 12)}
                    <td>
                      <select value={p.priority} onChange={(ev) => update(i, 'priority', inputValue(ev))} aria-label={`${t('sla.priority')} #${i + 1}`}>
                        {PRIORITIES.map((x) => (
                          <option key={x} value={x}>
                            {t(`prio.${x}` as ConsoleKey)}
                          </option>
                        ))}
                      </select>
                      <Err id={`sla-${i}-p-e`} msg={err(i, 'priority') ?? rowErr(i)} />
                    </td>
                    <td>
                      <select value={p.tier ?? ''} onChange={(ev) => update(i, 'tier', inputValue(ev))} aria-label={`${t('sla.tier')} #${i + 1}`}>
                        {TIERS.map((x) => (
                          <option key={x} value={x}>
                            {x ? app.t(`tier.${x}` as 'tier.vip') : t('sla.anyTier')}
                          </option>
                        ))}
                      </select>
                    </td>
                    {cell(i, 'first_response', t('sla.firstResponse'))}
                    {cell(i, 'resolution', t('sla.resolution'))}
                    <td>
                      <input type="number" min={1} max={99} class="num-input" value={String(p.warn_at_percent)} onInput={(ev) => update(i, 'warn_at_percent', Number(inputValue(ev)))} aria-label={`${t('sla.warnAt')} #${i + 1}`} aria-describedby={`sla-${i}-w-e`} />
                      <Err id={`sla-${i}-w-e`} msg={err(i, 'warn_at_percent')} />
                    </td>
                    <td>
                      {canWrite && (
                        <button type="button" class="link" onClick={() => s.setData({ policies: ps.filter((_, j) => j !== i) })} aria-label={`${t('remove')} ${p.name}`}>
                          {t('remove')}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </fieldset>
        <SaveStatus error={s.save.error} ok={s.save.ok} fields={['policies[']} />
        {canWrite && (
          <div class="actions">
            <button type="button" class="ghost" onClick={() => s.setData({ policies: [...ps, { name: '', priority: 'normal', tier: '', first_response: '4h', resolution: '24h', warn_at_percent: 75, on_breach: ['notify_supervisor'] }] })}>
              {t('sla.addPolicy')}
            </button>
            <button type="submit" class="primary" disabled={s.save.busy}>
              {app.t('save')}
            </button>
          </div>
        )}
      </form>
    </Section>
  )
}

interface Calendar {
  name: string
  description?: string
  holidays: Record<string, string> | null
  working_days?: Record<string, string> | null
}

interface BusinessHours {
  name?: string
  time_zone: string
  weekly: Record<string, string[]> | null
  makeup_day_hours?: string[] | null
  calendar?: Calendar | null
  calendar_name?: string
}

type DateRow = { date: string; name: string; kind: 'holidays' | 'working_days' }

function Hours() {
  const t = useCT()
  const app = useApp()
  const path = '/api/v1/settings/business-hours'
  const canWrite = useAllowed()('PUT', path)
  const s = useSettings<BusinessHours>(path)
  const [days, setDays] = useState<Record<string, string>>({})
  const [rows, setRows] = useState<DateRow[]>([])
  useEffect(() => {
    if (!s.data) return
    const d: Record<string, string> = {}
    for (const day of DAYS) d[day] = (s.data.weekly?.[day] ?? []).join(', ')
    setDays(d)
    const cal = s.data.calendar
    const r: DateRow[] = []
    for (const kind of ['holidays', 'working_days'] as const) for (const [date, name] of Object.entries(cal?.[kind] ?? {})) r.push({ date, name, kind })
    r.sort((a, b) => a.date.localeCompare(b.date))
    setRows(r)
  }, [s.data])
  if (s.loadError != null) return <ErrorBox error={s.loadError} onRetry={s.load} />
  if (!s.data) return <Loading />
  const h = s.data
  const err = (f: string) => fieldError(s.save.error, f)

  const submit = (e: Event) => {
    e.preventDefault()
    const weekly: Record<string, string[]> = {}
    for (const day of DAYS) {
      const ivs = (days[day] ?? '')
        .split(/[,，;\s]+/)
        .map((x) => x.trim())
        .filter(Boolean)
      if (ivs.length) weekly[day] = ivs
    }
    const body: BusinessHours = { ...h, weekly }
    const base = h.calendar ?? (rows.length ? { name: h.calendar_name || 'custom' } : null)
    if (base) {
      const cal: Calendar = { ...base, holidays: {}, working_days: {} }
      for (const r of rows) if (r.date) cal[r.kind]![r.date] = r.name
      body.calendar = cal
    }
    s.put(body, t('saved'))
  }

  return (
    <Section id="sla-hours" title={t('sla.hours')} intro={t('sla.hoursIntro')}>
      <ReadOnlyNote show={!canWrite} />
      <form onSubmit={submit} noValidate data-testid="hours-form">
        <fieldset disabled={!canWrite || s.save.busy} class="plain">
          <div class="form-grid">
            <label class="field">
              <span>{t('sla.timeZone')}</span>
              <input name="time_zone" value={h.time_zone} onInput={(ev) => s.setData({ ...h, time_zone: inputValue(ev) })} aria-invalid={!!err('time_zone')} aria-describedby="h-tz-e" />
              <Err id="h-tz-e" msg={err('time_zone')} />
            </label>
            {DAYS.map((day) => (
              <label class="field" key={day}>
                <span>{t(`day.${day}` as ConsoleKey)}</span>
                <input name={`weekly-${day}`} placeholder="09:00-18:00" value={days[day] ?? ''} onInput={(ev) => setDays({ ...days, [day]: inputValue(ev) })} aria-invalid={!!err(`weekly.${day}`)} aria-describedby={`h-${day}-e`} />
                <Err id={`h-${day}-e`} msg={err(`weekly.${day}`)} />
              </label>
            ))}
          </div>
          <h3 id="cal-title">
            {t('sla.calendar')}
            {h.calendar?.name ? `: ${h.calendar.name}` : ''}
          </h3>
          {h.calendar?.description && <p class="small muted">{h.calendar.description}</p>}
          {rows.length === 0 && <p class="muted small">{t('sla.noCalendar')}</p>}
          {rows.length > 0 && (
            <div class="table-scroll cal-scroll">
              <table class="table small" aria-labelledby="cal-title" data-testid="holidays">
                <thead>
                  <tr>
                    <th scope="col">{t('sla.date')}</th>
                    <th scope="col">{t('sla.holidayName')}</th>
                    <th scope="col" />
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r, i) => {
                    const set = (patch: Partial<DateRow>) => setRows(rows.map((x, j) => (j === i ? { ...x, ...patch } : x)))
                    return (
                      <tr key={i}>
                        <td>
                          <input type="date" value={r.date} onInput={(ev) => set({ date: inputValue(ev) })} aria-label={`${t('sla.date')} #${i + 1}`} />
                        </td>
                        <td>
                          <input value={r.name} size={28} onInput={(ev) => set({ name: inputValue(ev) })} aria-label={`${t('sla.holidayName')} #${i + 1}`} />
                        </td>
                        <td>
                          <select value={r.kind} onChange={(ev) => set({ kind: inputValue(ev) as DateRow['kind'] })} aria-label={`${t('sla.holidays')} / ${t('sla.workingDays')} #${i + 1}`}>
                            <option value="holidays">{t('sla.holidays')}</option>
                            <option value="working_days">{t('sla.workingDays')}</option>
                          </select>
                        </td>
                        <td>
                          {canWrite && (
                            <button type="button" class="link" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={`${t('remove')} ${r.date}`}>
                              {t('remove')}
                            </button>
                          )}
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
          <Err id="h-cal-e" msg={err('calendar')} />
        </fieldset>
        <SaveStatus error={s.save.error} ok={s.save.ok} fields={['time_zone', 'weekly', 'calendar']} />
        {canWrite && (
          <div class="actions">
            <button type="button" class="ghost" onClick={() => setRows([...rows, { date: '', name: '', kind: 'holidays' }])}>
              {t('sla.addHoliday')}
            </button>
            <button type="submit" class="primary" disabled={s.save.busy}>
              {app.t('save')}
            </button>
          </div>
        )}
      </form>
    </Section>
  )
}

type Rules = Record<string, number | Record<string, number> | null | undefined>

const THRESHOLDS = ['urgent', 'high', 'normal'] as const
const POINTS = [
  'anger_points',
  'urgency_points',
  'negative',
  'negative_points',
  'very_negative',
  'very_negative_points',
  'high_value',
  'high_value_points',
  'very_high_value',
  'very_high_value_points',
  'repeat_points',
  'sla_at_risk',
  'sla_at_risk_points',
  'sla_breached_points',
] as const
const MAPS = ['intent_points', 'tier_points', 'category_points'] as const

function PriorityRules() {
  const t = useCT()
  const app = useApp()
  const path = '/api/v1/settings/priority-rules'
  const canWrite = useAllowed()('PUT', path)
  const s = useSettings<Rules>(path)
  const [maps, setMaps] = useState<Record<string, string>>({})
  const [mapError, setMapError] = useState<Record<string, string>>({})
  useEffect(() => {
    if (!s.data) return
    const m: Record<string, string> = {}
    for (const k of MAPS) m[k] = formatMap((s.data[k] as Record<string, number>) ?? {})
    setMaps(m)
  }, [s.data])
  if (s.loadError != null) return <ErrorBox error={s.loadError} onRetry={s.load} />
  if (!s.data) return <Loading />
  const r = s.data
  const err = (f: string) => fieldError(s.save.error, f)
  const submit = (e: Event) => {
    e.preventDefault()
    const body: Rules = { ...r }
    const bad: Record<string, string> = {}
    for (const k of MAPS) {
      const p = parseMap(maps[k] ?? '')
      if (p.bad.length) bad[k] = t('fixErrors') + ' #' + p.bad.join(', #')
      body[k] = p.map
    }
    setMapError(bad)
    if (Object.keys(bad).length === 0) s.put(body, t('saved'))
  }
  const numField = (k: string, label: string) => (
    <label class="field" key={k}>
      <span>{label}</span>
      <input type="number" step="any" name={`rule-${k}`} value={String(r[k] ?? 0)} onInput={(ev) => s.setData({ ...r, [k]: Number(inputValue(ev)) })} aria-invalid={!!err(k)} aria-describedby={`pr-${k}-e`} />
      <Err id={`pr-${k}-e`} msg={err(k)} />
    </label>
  )
  return (
    <Section id="priority-rules" title={t('sla.priorityRules')} intro={t('sla.priorityIntro')}>
      <ReadOnlyNote show={!canWrite} />
      <form onSubmit={submit} noValidate>
        <fieldset disabled={!canWrite || s.save.busy} class="plain">
          <h3>{t('sla.thresholds')}</h3>
          <div class="form-grid">{THRESHOLDS.map((k) => numField(k, t(`prio.${k}` as ConsoleKey)))}</div>
          <Err id="pr-th-e" msg={err('thresholds')} />
          <h3>{t('sla.points')}</h3>
          <div class="form-grid">{POINTS.map((k) => numField(k, k.replace(/_/g, ' ')))}</div>
          <h3>{t('sla.pointMaps')}</h3>
          <div class="form-grid">
            {MAPS.map((k) => (
              <label class="field" key={k}>
                <span class="mono">{k}</span>
                <textarea rows={5} name={`rule-${k}`} value={maps[k] ?? ''} onInput={(ev) => setMaps({ ...maps, [k]: inputValue(ev) })} aria-describedby={`pr-${k}-e`} />
                <Err id={`pr-${k}-e`} msg={err(k) ?? mapError[k]} />
              </label>
            ))}
          </div>
        </fieldset>
        <SaveStatus error={s.save.error} ok={s.save.ok} fields={[...THRESHOLDS, ...POINTS, ...MAPS, 'thresholds']} />
        {canWrite && (
          <button type="submit" class="primary" disabled={s.save.busy}>
            {app.t('save')}
          </button>
        )}
      </form>
    </Section>
  )
}
