package ticket

import (
	"context"
	"encoding/json"
	"sync"

	"kefu/internal/apperr"
	"kefu/internal/sla"
	"kefu/internal/store"
)

// loadSetting reads a JSON setting into v; found is false when the key is absent.
func loadSetting(ctx context.Context, q store.Querier, key string, v any) (bool, error) {
	var raw string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&raw)
	if store.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return false, apperr.New(500, "corrupt_setting", "stored setting "+key+" is not valid JSON").Wrap(err)
	}
	return true, nil
}

// saveSetting upserts a JSON setting; it validates nothing, callers validate before saving.
func saveSetting(ctx context.Context, q store.Querier, key string, v any, s *Service) error {
	_, err := q.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, toJSON(v), s.now())
	return err
}

// SLAPolicies returns the configured SLA policies, or the defaults.
func (s *Service) SLAPolicies(ctx context.Context) (sla.PolicySet, error) {
	return s.slaPolicies(ctx, s.DB)
}

func (s *Service) slaPolicies(ctx context.Context, q store.Querier) (sla.PolicySet, error) {
	var p sla.PolicySet
	found, err := loadSetting(ctx, q, SettingSLAPolicies, &p)
	if err != nil || !found {
		return sla.DefaultPolicies(), err
	}
	return p, nil
}

// SetSLAPolicies validates and stores the SLA policies. They apply to tickets created from now
// on (and to clocks restarted on reopen); running clocks keep the targets they started with.
func (s *Service) SetSLAPolicies(ctx context.Context, p sla.PolicySet) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return saveSetting(ctx, s.DB, SettingSLAPolicies, p, s)
}

// PriorityRules returns the configured priority rules, or the defaults.
func (s *Service) PriorityRules(ctx context.Context) (PriorityRules, error) {
	return s.priorityRules(ctx, s.DB)
}

func (s *Service) priorityRules(ctx context.Context, q store.Querier) (PriorityRules, error) {
	r := DefaultPriorityRules()
	found, err := loadSetting(ctx, q, SettingPriorityRules, &r)
	if err != nil || !found {
		return DefaultPriorityRules(), err
	}
	return r, nil
}

// SetPriorityRules validates and stores the priority rules.
func (s *Service) SetPriorityRules(ctx context.Context, r PriorityRules) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return saveSetting(ctx, s.DB, SettingPriorityRules, r, s)
}

// DefaultHours is the schedule for teams without their own: the stored default, else 09:00-18:00
// Beijing time on working days with the 2026 China holiday calendar.
func (s *Service) DefaultHours(ctx context.Context) (sla.BusinessHours, error) {
	return s.defaultHours(ctx, s.DB)
}

func (s *Service) defaultHours(ctx context.Context, q store.Querier) (sla.BusinessHours, error) {
	var raw string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = ?`, SettingBusinessHours).Scan(&raw)
	if err != nil && !store.IsNoRows(err) {
		return sla.BusinessHours{}, err
	}
	return s.preparedHours("default:"+raw, func() (sla.BusinessHours, error) {
		if raw == "" {
			return sla.ChinaHours(), nil
		}
		var h sla.BusinessHours
		if err := json.Unmarshal([]byte(raw), &h); err != nil {
			return h, apperr.New(500, "corrupt_setting", "stored setting "+SettingBusinessHours+" is not valid JSON").Wrap(err)
		}
		return h, nil
	})
}

// hoursCache remembers prepared schedules by their stored JSON. Preparing one loads a time zone
// and a holiday calendar, which cost more than the rest of routing a ticket; keyed by content, a
// changed setting is a new key, so nothing needs invalidating. Schedules are few; the bound only
// guards against a caller editing them in a loop.
type hoursCache struct {
	mu sync.Mutex
	m  map[string]sla.BusinessHours
}

const maxCachedHours = 256

func (s *Service) preparedHours(key string, load func() (sla.BusinessHours, error)) (sla.BusinessHours, error) {
	c := &s.hoursCache
	c.mu.Lock()
	h, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := load()
	if err != nil {
		return h, err
	}
	if h, err = h.Prepared(); err != nil {
		return h, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedHours {
		c.m = map[string]sla.BusinessHours{}
	}
	c.m[key] = h
	c.mu.Unlock()
	return h, nil
}

// SetDefaultHours validates and stores the default business hours.
func (s *Service) SetDefaultHours(ctx context.Context, h sla.BusinessHours) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return saveSetting(ctx, s.DB, SettingBusinessHours, h, s)
}

// SetTeamHours validates and stores a team's own business hours.
func (s *Service) SetTeamHours(ctx context.Context, teamID int64, h sla.BusinessHours) error {
	if err := h.Validate(); err != nil {
		return err
	}
	res, err := s.DB.Exec(ctx, `UPDATE teams SET business_hours = ? WHERE id = ?`, toJSON(h), teamID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("team")
	}
	return nil
}

// teamHours is the schedule deadlines are counted in for a team. A team's stored schedule is
// used when it has a "weekly" key ({"weekly": {}} explicitly means 24×7); otherwise the default.
func (s *Service) teamHours(ctx context.Context, q store.Querier, teamID int64) (sla.BusinessHours, error) {
	if teamID > 0 {
		var raw string
		err := q.QueryRow(ctx, `SELECT business_hours FROM teams WHERE id = ?`, teamID).Scan(&raw)
		if err != nil && !store.IsNoRows(err) {
			return sla.BusinessHours{}, err
		}
		var h sla.BusinessHours
		if err == nil && json.Unmarshal([]byte(raw), &h) == nil && h.Weekly != nil {
			if p, err := s.preparedHours("team:"+raw, func() (sla.BusinessHours, error) { return h, nil }); err == nil {
				return p, nil
			}
			// A team schedule that no longer validates (e.g. a removed calendar) must not stop
			// tickets from being created: fall back to the default.
		}
	}
	return s.defaultHours(ctx, q)
}

type skills struct {
	Languages  []string   `json:"languages"`
	Categories []Category `json:"categories"`
	Tiers      []string   `json:"tiers"`
}

// teamSnapshots loads every team with its enabled agents, their open-ticket counts and the
// round-robin cursor (the agent who got the team's latest assigned ticket). Two tickets created
// at the same instant may see the same snapshot; capacity is a soft limit, so that is fine.
func (s *Service) teamSnapshots(ctx context.Context, q store.Querier) ([]TeamSnapshot, error) {
	rows, err := q.Query(ctx, `SELECT id, name, skills, serves_vip, assignment FROM teams ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var teams []TeamSnapshot
	index := map[int64]int{}
	for rows.Next() {
		var t TeamSnapshot
		var sk, strategy string
		if err := rows.Scan(&t.ID, &t.Name, &sk, &t.ServesVIP, &strategy); err != nil {
			rows.Close()
			return nil, err
		}
		var k skills
		_ = json.Unmarshal([]byte(sk), &k)
		t.Languages, t.Categories, t.Tiers, t.Strategy = k.Languages, k.Categories, k.Tiers, Strategy(strategy)
		index[t.ID] = len(teams)
		teams = append(teams, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, nil
	}
	load := map[int64]int{}
	// Only open tickets count (tickets_status_assignee), however many closed ones there are.
	rows, err = q.Query(ctx, `SELECT assignee_id, COUNT(*) FROM tickets
		WHERE status IN ('new','open','pending','on_hold') AND assignee_id IS NOT NULL GROUP BY assignee_id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		load[id] = n
	}
	rows.Close()
	rows, err = q.Query(ctx, `SELECT m.team_id, u.id, u.name, u.status, u.capacity, u.skills
		FROM team_members m JOIN users u ON u.id = m.user_id WHERE u.disabled = ? ORDER BY u.id`, false)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var teamID int64
		var a AgentLoad
		var status, sk string
		if err := rows.Scan(&teamID, &a.ID, &a.Name, &status, &a.Capacity, &sk); err != nil {
			rows.Close()
			return nil, err
		}
		var k skills
		_ = json.Unmarshal([]byte(sk), &k)
		a.Status, a.Languages, a.Categories, a.Tiers, a.Open = AgentStatus(status), k.Languages, k.Categories, k.Tiers, load[a.ID]
		if i, ok := index[teamID]; ok {
			teams[i].Agents = append(teams[i].Agents, a)
		}
	}
	rows.Close()
	// The round-robin cursor of each team: the agent of its latest assigned ticket. One indexed
	// lookup per team (tickets_team_id walks the team's tickets newest first), so routing does
	// not slow down as the ticket table grows.
	for i := range teams {
		if teams[i].strategy() != RoundRobin {
			continue // only round-robin reads the cursor
		}
		var agentID int64
		err := q.QueryRow(ctx, `SELECT assignee_id FROM tickets WHERE team_id = ? AND assignee_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
			teams[i].ID).Scan(&agentID)
		if err != nil && !store.IsNoRows(err) {
			return nil, err
		}
		teams[i].LastAgentID = agentID
	}
	return teams, nil
}
