// Teams, their skills (languages, categories, tiers), VIP service and assignment rule, with
// members and their capacity. Everyone working tickets sees them; admins (settings:write on
// the team routes) create, edit and delete them. Routing reads teams on every ticket, so a
// saved change applies to the next one.
import { useState } from 'preact/hooks'
import { api, type Page, type User } from '../api'
import { useApp } from '../state'
import { ErrorBox, Loading, useAsync } from '../ui'
import { Err, fieldError, inputValue, SaveStatus, splitList, useSave } from './kit'
import { useCT, type ConsoleKey } from './messages'
import { useAllowed } from './perms'

interface Member {
  id: number
  name: string
  status: string
  capacity: number
  languages: string[] | null
  categories: string[] | null
  tiers: string[] | null
}

interface Team {
  id: number
  name: string
  name_en: string
  languages: string[] | null
  categories: string[] | null
  tiers: string[] | null
  serves_vip: boolean
  assignment: string
  members: Member[] | null
}

const CATEGORIES = ['logistics', 'return', 'refund', 'exchange', 'quality', 'missing_item', 'repair', 'payment', 'invoice', 'account', 'complaint', 'other']
const TIERS = ['regular', 'silver', 'gold', 'vip']
const STRATEGIES = ['round_robin', 'least_loaded', 'skills_match']

interface MemberForm {
  user_id: number
  name: string
  capacity: string
  languages: string
  categories: string
}

interface TeamForm {
  name: string
  name_en: string
  languages: string
  categories: string[]
  tiers: string[]
  serves_vip: boolean
  assignment: string
  members: MemberForm[]
}

const emptyForm: TeamForm = { name: '', name_en: '', languages: '', categories: [], tiers: [], serves_vip: false, assignment: 'round_robin', members: [] }

function formOf(tm: Team): TeamForm {
  return {
    name: tm.name,
    name_en: tm.name_en,
    languages: (tm.languages ?? []).join(', '),
    categories: tm.categories ?? [],
    tiers: tm.tiers ?? [],
    serves_vip: tm.serves_vip,
    assignment: tm.assignment,
    members: (tm.members ?? []).map((m) => ({
      user_id: m.id,
      name: m.name,
      capacity: String(m.capacity),
      languages: (m.languages ?? []).join(', '),
      categories: (m.categories ?? []).join(', '),
    })),
  }
}

/** bodyOf is the API's TeamInput for a form (numbers parsed, lists split). */
export function bodyOf(f: TeamForm) {
  return {
    name: f.name,
    name_en: f.name_en,
    languages: splitList(f.languages),
    categories: f.categories,
    tiers: f.tiers,
    serves_vip: f.serves_vip,
    assignment: f.assignment,
    members: f.members.map((m) => ({
      user_id: m.user_id,
      capacity: m.capacity.trim() === '' ? 0 : Number(m.capacity),
      languages: splitList(m.languages),
      categories: splitList(m.categories),
    })),
  }
}

export function Teams() {
  const t = useCT()
  const app = useApp()
  const allowed = useAllowed()
  const offered = app.has('/api/v1/teams')
  const teams = useAsync(() => (offered ? api<Page<Team>>('GET', '/api/v1/teams') : Promise.resolve(null)), [offered])
  const canEdit = allowed('POST', '/api/v1/teams')
  const [editing, setEditing] = useState<Team | 'new' | null>(null)
  const [notice, setNotice] = useState('')
  const list = (xs: string[] | null) => (xs && xs.length ? xs.join(', ') : '—')
  const label = (tm: Team) => (app.lang === 'en' && tm.name_en ? tm.name_en : tm.name)
  const done = (msg: string) => {
    setEditing(null)
    setNotice(msg)
    teams.reload()
  }
  return (
    <section class="full-pane" aria-labelledby="teams-title" data-testid="teams">
      <h1 id="teams-title">{t('teams.title')}</h1>
      <p class="muted">{t('teams.intro')}</p>
      {!offered && <p class="notice">{t('teams.unavailable')}</p>}
      {offered && !canEdit && <p class="notice small">{t('teams.onlyAdmins')}</p>}
      {teams.error != null && <ErrorBox error={teams.error} onRetry={teams.reload} />}
      {offered && teams.loading && !teams.data && <Loading />}
      {teams.data && teams.data.items.length === 0 && <p class="muted">{t('teams.none')}</p>}
      {notice && !editing && (
        <p class="ok" role="status">
          {notice}
        </p>
      )}
      {teams.data && teams.data.items.length > 0 && (
        <div class="table-scroll">
          <table class="table" data-testid="teams-table">
            <thead>
              <tr>
                <th scope="col">{t('teams.name')}</th>
                <th scope="col">{t('teams.languages')}</th>
                <th scope="col">{t('teams.categories')}</th>
                <th scope="col">{t('teams.tiers')}</th>
                <th scope="col">{t('teams.servesVip')}</th>
                <th scope="col">{t('teams.assignment')}</th>
                <th scope="col">{t('teams.members')}</th>
                {canEdit && <th scope="col" />}
              </tr>
            </thead>
            <tbody>
              {teams.data.items.map((tm) => (
                <tr key={tm.id} data-team={tm.id} class={editing !== 'new' && editing?.id === tm.id ? 'selected' : ''}>
                  <th scope="row">{label(tm)}</th>
                  <td>{list(tm.languages)}</td>
                  <td>{(tm.categories ?? []).map((c) => (CATEGORIES.includes(c) ? t(`cat.${c}` as ConsoleKey) : c)).join(', ') || '—'}</td>
                  <td>{list(tm.tiers)}</td>
                  <td>{tm.serves_vip ? t('yes') : t('no')}</td>
                  <td data-field="assignment">{STRATEGIES.includes(tm.assignment) ? t(`teams.strategy.${tm.assignment}` as ConsoleKey) : tm.assignment}</td>
                  <td class="small">{(tm.members ?? []).map((m) => `${m.name} (${m.status}, ${m.capacity || '∞'})`).join(', ') || '—'}</td>
                  {canEdit && (
                    <td>
                      <button type="button" class="link" data-testid="team-edit" onClick={() => (setNotice(''), setEditing(tm))}>
                        {t('edit')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && !editing && (
        <p>
          <button type="button" class="primary" data-testid="team-new" onClick={() => (setNotice(''), setEditing('new'))}>
            {t('teams.new')}
          </button>
        </p>
      )}
      {canEdit && editing && (
        <TeamEditor
          key={editing === 'new' ? 'new' : editing.id}
          team={editing === 'new' ? null : editing}
          onCancel={() => setEditing(null)}
          onDone={done}
        />
      )}
    </section>
  )
}

function TeamEditor({ team, onCancel, onDone }: { team: Team | null; onCancel: () => void; onDone: (msg: string) => void }) {
  const t = useCT()
  const app = useApp()
  const [f, setF] = useState<TeamForm>(team ? formOf(team) : emptyForm)
  const [confirmDelete, setConfirmDelete] = useState(false)
  const save = useSave()
  const users = useAsync(() => api<Page<User & { capacity: number }>>('GET', '/api/v1/users'), [])
  const set = <K extends keyof TeamForm>(k: K, v: TeamForm[K]) => setF({ ...f, [k]: v })
  const toggle = (k: 'categories' | 'tiers', v: string) => set(k, f[k].includes(v) ? f[k].filter((x) => x !== v) : [...f[k], v])
  const setMember = (i: number, patch: Partial<MemberForm>) => set('members', f.members.map((m, j) => (j === i ? { ...m, ...patch } : m)))
  const candidates = (users.data?.items ?? []).filter((u) => !u.disabled && !f.members.some((m) => m.user_id === u.id))
  const err = (field: string) => fieldError(save.error, field)

  const submit = async (e: Event) => {
    e.preventDefault()
    const body = bodyOf(f)
    const r = await save.run(
      () => (team ? api<Team>('PUT', `/api/v1/teams/${team.id}`, body) : api<Team>('POST', '/api/v1/teams', body)),
      t('teams.savedOk'),
    )
    if (r) onDone(t('teams.savedOk'))
  }
  const remove = async () => {
    if (!team) return
    const r = await save.run(() => api('DELETE', `/api/v1/teams/${team.id}`).then(() => true), t('teams.deleted'))
    if (r) onDone(t('teams.deleted'))
  }

  return (
    <form class="panel-form console-section" onSubmit={submit} aria-labelledby="team-editor-title" data-testid="team-editor" noValidate>
      <h2 id="team-editor-title">{team ? t('teams.editing', { name: app.lang === 'en' && team.name_en ? team.name_en : team.name }) : t('teams.new')}</h2>
      <div class="form-grid">
        <label class="field">
          <span>{t('teams.name')}</span>
          <input name="team-name" required maxLength={50} value={f.name} onInput={(e) => set('name', inputValue(e))} aria-invalid={!!err('name')} aria-describedby="team-name-err" />
          <Err id="team-name-err" msg={err('name')} />
        </label>
        <label class="field">
          <span>{t('teams.nameEn')}</span>
          <input name="team-name-en" maxLength={50} value={f.name_en} onInput={(e) => set('name_en', inputValue(e))} aria-invalid={!!err('name_en')} />
          <Err id="team-name-en-err" msg={err('name_en')} />
        </label>
        <label class="field">
          <span>{t('teams.languages')}</span>
          <input name="team-languages" value={f.languages} placeholder="zh, en" onInput={(e) => set('languages', inputValue(e))} aria-invalid={!!err('languages')} />
          <small class="muted">{t('teams.languagesHelp')}</small>
          <Err id="team-languages-err" msg={err('languages')} />
        </label>
        <label class="field">
          <span>{t('teams.assignment')}</span>
          <select name="team-assignment" value={f.assignment} onChange={(e) => set('assignment', inputValue(e))}>
            {STRATEGIES.map((s) => (
              <option key={s} value={s}>
                {t(`teams.strategy.${s}` as ConsoleKey)}
              </option>
            ))}
          </select>
          <Err id="team-assignment-err" msg={err('assignment')} />
        </label>
      </div>
      <fieldset class="events">
        <legend>{t('teams.categories')}</legend>
        {CATEGORIES.map((c) => (
          <label class="check" key={c}>
            <input type="checkbox" name={`team-cat-${c}`} checked={f.categories.includes(c)} onChange={() => toggle('categories', c)} /> {t(`cat.${c}` as ConsoleKey)}
          </label>
        ))}
        <small class="muted">{t('teams.anyHint')}</small>
        <Err id="team-categories-err" msg={err('categories')} />
      </fieldset>
      <fieldset class="events">
        <legend>{t('teams.tiers')}</legend>
        {TIERS.map((x) => (
          <label class="check" key={x}>
            <input type="checkbox" name={`team-tier-${x}`} checked={f.tiers.includes(x)} onChange={() => toggle('tiers', x)} /> {x}
          </label>
        ))}
        <small class="muted">{t('teams.anyHint')}</small>
      </fieldset>
      <label class="check">
        <input type="checkbox" name="team-vip" checked={f.serves_vip} onChange={(e) => set('serves_vip', (e.target as HTMLInputElement).checked)} /> {t('teams.servesVip')}
      </label>
      <p class="muted small">{t('teams.vipHelp')}</p>

      <h3>{t('teams.members')}</h3>
      <p class="muted small">
        {t('teams.capacityHelp')} {t('teams.agentSkillsHelp')}
      </p>
      {f.members.length === 0 ? (
        <p class="muted">{t('teams.noMembers')}</p>
      ) : (
        <table class="table small" data-testid="team-members">
          <thead>
            <tr>
              <th scope="col">{t('teams.name')}</th>
              <th scope="col">{t('teams.capacity')}</th>
              <th scope="col">{t('teams.agentLanguages')}</th>
              <th scope="col">{t('teams.agentCategories')}</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {f.members.map((m, i) => (
              <tr key={m.user_id} data-member={m.user_id}>
                <th scope="row">{m.name}</th>
                <td>
                  <input
                    type="number"
                    min={0}
                    max={500}
                    name="member-capacity"
                    aria-label={t('teams.capacity') + ' ' + m.name}
                    value={m.capacity}
                    onInput={(e) => setMember(i, { capacity: inputValue(e) })}
                    aria-invalid={!!err(`members[${i}].capacity`)}
                  />
                  <Err id={`member-${i}-capacity-err`} msg={err(`members[${i}].capacity`)} />
                </td>
                <td>
                  <input aria-label={t('teams.agentLanguages') + ' ' + m.name} value={m.languages} placeholder="zh, en" onInput={(e) => setMember(i, { languages: inputValue(e) })} />
                  <Err id={`member-${i}-languages-err`} msg={err(`members[${i}].languages`)} />
                </td>
                <td>
                  <input aria-label={t('teams.agentCategories') + ' ' + m.name} value={m.categories} placeholder="refund, return" onInput={(e) => setMember(i, { categories: inputValue(e) })} />
                  <Err id={`member-${i}-categories-err`} msg={err(`members[${i}].categories`) ?? err(`members[${i}].user_id`)} />
                </td>
                <td>
                  <button type="button" class="link" onClick={() => set('members', f.members.filter((_, j) => j !== i))}>
                    {t('remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {users.error != null && <ErrorBox error={users.error} onRetry={users.reload} />}
      <label class="field">
        <span>{t('teams.addMember')}</span>
        <select
          name="team-add-member"
          value=""
          onChange={(e) => {
            const u = candidates.find((x) => String(x.id) === inputValue(e))
            if (u) set('members', [...f.members, { user_id: u.id, name: u.name, capacity: String(u.capacity ?? 10), languages: '', categories: '' }])
          }}
        >
          <option value="">{t('teams.pickUser')}</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name} ({u.email})
            </option>
          ))}
        </select>
      </label>
      <SaveStatus error={save.error} ok={save.ok} fields={['name', 'name_en', 'languages', 'categories', 'assignment', 'members']} />
      <div class="row-between">
        <span>
          <button type="submit" class="primary" disabled={save.busy} data-testid="team-save">
            {save.busy ? t('saving') : team ? t('teams.save') : t('teams.create')}
          </button>{' '}
          <button type="button" class="ghost" onClick={onCancel}>
            {t('cancel')}
          </button>
        </span>
        {team &&
          (confirmDelete ? (
            <span role="group" aria-label={t('teams.delete')}>
              <span class="small">{t('teams.confirmDelete', { name: team.name })}</span>{' '}
              <button type="button" class="danger" onClick={remove} disabled={save.busy} data-testid="team-delete-confirm">
                {t('confirm')}
              </button>{' '}
              <button type="button" class="ghost" onClick={() => setConfirmDelete(false)}>
                {t('cancel')}
              </button>
            </span>
          ) : (
            <button type="button" class="ghost" onClick={() => setConfirmDelete(true)} data-testid="team-delete">
              {t('teams.delete')}
            </button>
          ))}
      </div>
    </form>
  )
}
