// After-sales policy per customer tier: a table of tiers × entitlements, plus the shop-wide
// rules. The whole policy is sent back with PUT, so fields this page does not show survive.
import { useEffect, useState } from 'preact/hooks'
import { api, ApiError } from '../api'
import { useApp } from '../state'
import { ErrorBox, Loading } from '../ui'
import { Err, fieldError, formatMap, parseMap, ReadOnlyNote, SaveStatus, splitList, useSave } from './kit'
import { useCT, type ConsoleKey } from './messages'
import { useAllowed } from './perms'

const TIERS = ['regular', 'silver', 'gold', 'vip'] as const
type Tier = (typeof TIERS)[number]
const DAY_FIELDS = ['return_window_days', 'quality_window_days', 'quality_exchange_days', 'return_shipment_days', 'warranty_days', 'price_protection_days', 'free_return_pickups_per_month'] as const
const MONEY_FIELDS = ['auto_approve_below'] as const

type TierPolicy = Record<string, number | boolean | undefined>
interface Policy {
  tiers: Record<Tier, TierPolicy>
  no_reason_excluded_categories: string[] | null
  no_reason_excluded_tags?: string[] | null
  evidence_required_for: string[] | null
  min_evidence_photos: number
  refund_shipping_on_shop_fault: boolean
  refund_shipping_before_shipment: boolean
  category_warranty_days?: Record<string, number> | null
  transit_damage_report_hours?: number
  refund_only_quality_below?: number
  [k: string]: unknown
}

const PATH = '/api/v1/aftersales/policy'
const yuan = (cents: unknown) => (typeof cents === 'number' ? String(cents / 100) : '0')
const cents = (v: string) => Math.round(Number(v) * 100)

export function AftersalesPolicy() {
  const t = useCT()
  const app = useApp()
  const allowed = useAllowed()
  const canWrite = allowed('PUT', PATH)
  const [policy, setPolicy] = useState<Policy | null>(null)
  const [lists, setLists] = useState({ evidence: '', cats: '', tags: '', warranty: '' })
  const [loadError, setLoadError] = useState<unknown>(null)
  const save = useSave()
  const [mapError, setMapError] = useState('')

  const adopt = (p: Policy) => {
    setPolicy(p)
    setLists({
      evidence: (p.evidence_required_for ?? []).join(', '),
      cats: (p.no_reason_excluded_categories ?? []).join(', '),
      tags: (p.no_reason_excluded_tags ?? []).join(', '),
      warranty: formatMap(p.category_warranty_days ?? {}),
    })
  }
  const load = () => {
    setLoadError(null)
    api<Policy>('GET', PATH).then(adopt, setLoadError)
  }
  useEffect(load, [])

  if (loadError != null) return <ErrorBox error={loadError} onRetry={load} />
  if (!policy) return <Loading />

  const setTier = (tier: Tier, k: string, v: number | boolean) => setPolicy({ ...policy, tiers: { ...policy.tiers, [tier]: { ...policy.tiers[tier], [k]: v } } })
  const setTop = (k: string, v: unknown) => setPolicy({ ...policy, [k]: v })
  const err = (f: string) => fieldError(save.error, f)

  const submit = async (e: Event) => {
    e.preventDefault()
    const warranty = parseMap(lists.warranty)
    if (warranty.bad.length) {
      setMapError(t('fixErrors') + ' #' + warranty.bad.join(', #'))
      return
    }
    setMapError('')
    const body: Policy = {
      ...policy,
      evidence_required_for: splitList(lists.evidence),
      no_reason_excluded_categories: splitList(lists.cats),
      no_reason_excluded_tags: splitList(lists.tags),
      category_warranty_days: warranty.map,
    }
    const saved = await save.run(() => api<Policy>('PUT', PATH, body), t('saved'))
    if (saved) adopt(saved)
  }

  const num = (tier: Tier, f: string, money = false) => {
    const id = `as-${tier}-${f}`
    const v = policy.tiers[tier]?.[f]
    const e = err(`tiers.${tier}.${f}`)
    return (
      <td key={tier}>
        <input
          id={id}
          name={id}
          type="number"
          min={0}
          step={money ? 0.01 : 1}
          class="num-input"
          value={money ? yuan(v) : String(v ?? 0)}
          onInput={(ev) => {
            const s = (ev.target as HTMLInputElement).value
            setTier(tier, f, money ? cents(s) : Math.trunc(Number(s)))
          }}
          aria-label={`${app.t(`tier.${tier}` as 'tier.vip')} · ${t(`as.${f}` as ConsoleKey)}`}
          aria-invalid={!!e}
          aria-describedby={e ? id + '-err' : undefined}
        />
        <Err id={id + '-err'} msg={e} />
      </td>
    )
  }

  return (
    <section class="full-pane" aria-labelledby="as-title" data-testid="aftersales-policy">
      <h1 id="as-title">{t('as.title')}</h1>
      <p class="muted">{t('as.intro')}</p>
      <ReadOnlyNote show={!canWrite} />
      <form onSubmit={submit} noValidate>
        <fieldset disabled={!canWrite || save.busy} class="plain">
          <h2 id="as-tiers">{t('as.tiers')}</h2>
          <div class="table-scroll">
            <table class="table policy-table" aria-labelledby="as-tiers">
              <thead>
                <tr>
                  <th scope="col">{t('as.rule')}</th>
                  {TIERS.map((tier) => (
                    <th scope="col" key={tier}>
                      {app.t(`tier.${tier}` as 'tier.vip')}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {DAY_FIELDS.map((f) => (
                  <tr key={f}>
                    <th scope="row">{t(`as.${f}` as ConsoleKey)}</th>
                    {TIERS.map((tier) => num(tier, f))}
                  </tr>
                ))}
                {MONEY_FIELDS.map((f) => (
                  <tr key={f}>
                    <th scope="row">{t(`as.${f}` as ConsoleKey)}</th>
                    {TIERS.map((tier) => num(tier, f, true))}
                  </tr>
                ))}
                <tr>
                  <th scope="row">{t('as.free_return_shipping')}</th>
                  {TIERS.map((tier) => (
                    <td key={tier}>
                      <input
                        type="checkbox"
                        name={`as-${tier}-free_return_shipping`}
                        checked={!!policy.tiers[tier]?.free_return_shipping}
                        onChange={(ev) => setTier(tier, 'free_return_shipping', (ev.target as HTMLInputElement).checked)}
                        aria-label={`${app.t(`tier.${tier}` as 'tier.vip')} · ${t('as.free_return_shipping')}`}
                      />
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
          <Err id="as-tiers-err" msg={save.error instanceof ApiError && /^tiers(\.\w+)?$/.test(save.error.field ?? '') ? save.error.message : undefined} />

          <h2>{t('as.shop')}</h2>
          <div class="form-grid">
            {(['min_evidence_photos', 'transit_damage_report_hours'] as const).map((f) => (
              <label class="field" key={f}>
                <span>{t(`as.${f}` as ConsoleKey)}</span>
                <input type="number" min={0} name={f} value={String(policy[f] ?? 0)} onInput={(ev) => setTop(f, Math.trunc(Number((ev.target as HTMLInputElement).value)))} aria-describedby={`as-${f}-err`} />
                <Err id={`as-${f}-err`} msg={err(f)} />
              </label>
            ))}
            <label class="field">
              <span>{t('as.refund_only_quality_below')}</span>
              <input type="number" min={0} step={0.01} name="refund_only_quality_below" value={yuan(policy.refund_only_quality_below)} onInput={(ev) => setTop('refund_only_quality_below', cents((ev.target as HTMLInputElement).value))} aria-describedby="as-roq-err" />
              <Err id="as-roq-err" msg={err('refund_only_quality_below')} />
            </label>
            {(['refund_shipping_on_shop_fault', 'refund_shipping_before_shipment'] as const).map((f) => (
              <label class="check" key={f}>
                <input type="checkbox" name={f} checked={!!policy[f]} onChange={(ev) => setTop(f, (ev.target as HTMLInputElement).checked)} /> {t(`as.${f}` as ConsoleKey)}
              </label>
            ))}
          </div>
          <div class="form-grid">
            {(
              [
                ['evidence', 'evidence_required_for'],
                ['cats', 'no_reason_excluded_categories'],
                ['tags', 'no_reason_excluded_tags'],
              ] as const
            ).map(([k, f]) => (
              <label class="field" key={f}>
                <span>{t(`as.${f}` as ConsoleKey)}</span>
                <input name={f} value={lists[k]} onInput={(ev) => setLists({ ...lists, [k]: (ev.target as HTMLInputElement).value })} aria-describedby={`as-${f}-err`} />
                <Err id={`as-${f}-err`} msg={err(f)} />
              </label>
            ))}
            <label class="field">
              <span>{t('as.category_warranty_days')}</span>
              <textarea name="category_warranty_days" rows={3} value={lists.warranty} onInput={(ev) => setLists({ ...lists, warranty: (ev.target as HTMLTextAreaElement).value })} aria-describedby="as-cw-err" />
              <Err id="as-cw-err" msg={err('category_warranty_days') ?? (mapError || undefined)} />
            </label>
          </div>
        </fieldset>
        <SaveStatus error={save.error} ok={save.ok} fields={['tiers', 'min_evidence_photos', 'transit_damage_report_hours', 'refund_only_quality_below', 'evidence_required_for', 'no_reason_excluded_categories', 'no_reason_excluded_tags', 'category_warranty_days']} />
        {canWrite && (
          <button type="submit" class="primary" disabled={save.busy} data-testid="as-save">
            {save.busy ? t('saving') : app.t('save')}
          </button>
        )}
      </form>
    </section>
  )
}
