package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/crm"
	"kefu/internal/store"
	"kefu/internal/validate"
)

// Team is a team as the admin console edits it: who it serves (skills), how it shares tickets
// out (assignment rule) and its members. Routing reads the same rows on every ticket
// (teamSnapshots), so a saved change applies to the very next ticket; nothing is cached.
type Team struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	NameEN     string       `json:"name_en"`
	Languages  []string     `json:"languages"`
	Categories []Category   `json:"categories"`
	Tiers      []string     `json:"tiers"`
	ServesVIP  bool         `json:"serves_vip"`
	Assignment Strategy     `json:"assignment"`
	Members    []TeamMember `json:"members"`
}

// TeamMember is an agent in a team. Capacity and skills belong to the user, not the team: an
// agent's open tickets count against one capacity whichever team they came from, and the
// skills_match rule compares the ticket with the agent's own skills.
type TeamMember struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	Capacity   int        `json:"capacity"`
	Languages  []string   `json:"languages"`
	Categories []Category `json:"categories"`
	Tiers      []string   `json:"tiers"`
}

// TeamInput is a whole team as saved by the console (create and replace).
type TeamInput struct {
	Name       string            `json:"name"`
	NameEN     string            `json:"name_en"`
	Languages  []string          `json:"languages"`
	Categories []string          `json:"categories"`
	Tiers      []string          `json:"tiers"`
	ServesVIP  bool              `json:"serves_vip"`
	Assignment string            `json:"assignment"`
	Members    []TeamMemberInput `json:"members"`
}

// TeamMemberInput adds a user to a team; Capacity and the skills, when given, update the user.
type TeamMemberInput struct {
	UserID     int64    `json:"user_id"`
	Capacity   *int     `json:"capacity,omitempty"`
	Languages  []string `json:"languages,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Tiers      []string `json:"tiers,omitempty"`
}

const (
	maxTeamMembers   = 200
	maxAgentCapacity = 500
)

var langCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// skillLists validates and normalises the three skill lists; field prefixes the error field.
func skillLists(field string, langs, cats, tiers []string) (skills, error) {
	var k skills
	seen := map[string]bool{}
	for i, l := range langs {
		l = strings.TrimSpace(l)
		if !langCode.MatchString(l) {
			return k, apperr.Invalid(fmt.Sprintf("%slanguages[%d]", field, i), "must be a language code such as zh or en")
		}
		if !seen["l:"+l] {
			seen["l:"+l] = true
			k.Languages = append(k.Languages, l)
		}
	}
	for i, c := range cats {
		cat := Category(strings.ToLower(strings.TrimSpace(c)))
		if !cat.Valid() {
			return k, apperr.Invalid(fmt.Sprintf("%scategories[%d]", field, i), fmt.Sprintf("unknown category %q", c))
		}
		if !seen["c:"+string(cat)] {
			seen["c:"+string(cat)] = true
			k.Categories = append(k.Categories, cat)
		}
	}
	for i, t := range tiers {
		t = strings.ToLower(strings.TrimSpace(t))
		if !crm.ValidTier(t) {
			return k, apperr.Invalid(fmt.Sprintf("%stiers[%d]", field, i), "must be regular, silver, gold or vip")
		}
		if !seen["t:"+t] {
			seen["t:"+t] = true
			k.Tiers = append(k.Tiers, t)
		}
	}
	return k, nil
}

// nonNil keeps empty lists as [] in JSON (the console treats an empty list as "any").
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

type validTeam struct {
	name, nameEN string
	skills       skills
	servesVIP    bool
	strategy     Strategy
	members      []TeamMemberInput
	memberSkills []*skills // nil when the input leaves the user's skills alone
}

func (in TeamInput) validate() (validTeam, error) {
	var v validTeam
	name, err := validate.Text("name", in.Name, 1, 50)
	if err != nil {
		return v, err
	}
	nameEN, err := validate.Text("name_en", in.NameEN, 0, 50)
	if err != nil {
		return v, err
	}
	v.name, v.nameEN, v.servesVIP = name, nameEN, in.ServesVIP
	if v.skills, err = skillLists("", in.Languages, in.Categories, in.Tiers); err != nil {
		return v, err
	}
	v.strategy = Strategy(in.Assignment)
	if in.Assignment == "" {
		v.strategy = RoundRobin
	}
	if !v.strategy.Valid() {
		return v, apperr.Invalid("assignment", "must be round_robin, least_loaded or skills_match")
	}
	if len(in.Members) > maxTeamMembers {
		return v, apperr.Invalid("members", fmt.Sprintf("at most %d members", maxTeamMembers))
	}
	seen := map[int64]bool{}
	for i, m := range in.Members {
		f := fmt.Sprintf("members[%d].", i)
		if m.UserID <= 0 {
			return v, apperr.Invalid(f+"user_id", "must be a user id")
		}
		if seen[m.UserID] {
			return v, apperr.Invalid(f+"user_id", "this user is listed twice")
		}
		seen[m.UserID] = true
		if m.Capacity != nil && (*m.Capacity < 0 || *m.Capacity > maxAgentCapacity) {
			return v, apperr.Invalid(f+"capacity", fmt.Sprintf("must be 0 (no limit) to %d", maxAgentCapacity))
		}
		var ms *skills
		if m.Languages != nil || m.Categories != nil || m.Tiers != nil {
			k, err := skillLists(f, m.Languages, m.Categories, m.Tiers)
			if err != nil {
				return v, err
			}
			ms = &k
		}
		v.members = append(v.members, m)
		v.memberSkills = append(v.memberSkills, ms)
	}
	return v, nil
}

// CreateTeam validates and stores a new team with its members.
func (s *Service) CreateTeam(ctx context.Context, in TeamInput) (*Team, error) {
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		id, err = store.InsertID(ctx, tx, `INSERT INTO teams (name, name_en, skills, serves_vip, assignment, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			v.name, v.nameEN, toJSON(v.skills), v.servesVIP, string(v.strategy), s.now())
		if store.IsUniqueViolation(err) {
			return apperr.Conflict("team_name_taken", "a team with this name already exists").Wrap(err)
		}
		if err != nil {
			return err
		}
		return s.saveMembers(ctx, tx, id, v)
	})
	if err != nil {
		return nil, err
	}
	return s.GetTeam(ctx, id)
}

// UpdateTeam replaces a team's settings and members. Tickets already assigned stay where they
// are; routing uses the new settings from the next ticket on.
func (s *Service) UpdateTeam(ctx context.Context, id int64, in TeamInput) (*Team, error) {
	v, err := in.validate()
	if err != nil {
		return nil, err
	}
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE teams SET name = ?, name_en = ?, skills = ?, serves_vip = ?, assignment = ? WHERE id = ?`,
			v.name, v.nameEN, toJSON(v.skills), v.servesVIP, string(v.strategy), id)
		if store.IsUniqueViolation(err) {
			return apperr.Conflict("team_name_taken", "a team with this name already exists").Wrap(err)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("team")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM team_members WHERE team_id = ?`, id); err != nil {
			return err
		}
		return s.saveMembers(ctx, tx, id, v)
	})
	if err != nil {
		return nil, err
	}
	return s.GetTeam(ctx, id)
}

func (s *Service) saveMembers(ctx context.Context, tx *store.Tx, teamID int64, v validTeam) error {
	for i, m := range v.members {
		f := fmt.Sprintf("members[%d].", i)
		var disabled bool
		err := tx.QueryRow(ctx, `SELECT disabled FROM users WHERE id = ?`, m.UserID).Scan(&disabled)
		if store.IsNoRows(err) {
			return apperr.Invalid(f+"user_id", fmt.Sprintf("there is no user %d", m.UserID))
		}
		if err != nil {
			return err
		}
		if disabled {
			return apperr.Invalid(f+"user_id", "this user is disabled; enable them first")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, teamID, m.UserID); err != nil {
			return err
		}
		if m.Capacity != nil {
			if _, err := tx.Exec(ctx, `UPDATE users SET capacity = ? WHERE id = ?`, *m.Capacity, m.UserID); err != nil {
				return err
			}
		}
		if k := v.memberSkills[i]; k != nil {
			if _, err := tx.Exec(ctx, `UPDATE users SET skills = ? WHERE id = ?`, toJSON(k), m.UserID); err != nil {
				return err
			}
		}
	}
	return nil
}

// DeleteTeam removes a team. A team that still holds open tickets cannot go (409
// team_has_open_tickets): they would silently drop out of every queue. Closed tickets,
// conversations and ratings keep their history but no longer point at the team.
func (s *Service) DeleteTeam(ctx context.Context, id int64) (name string, err error) {
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRow(ctx, `SELECT name FROM teams WHERE id = ?`, id).Scan(&name)
		if store.IsNoRows(err) {
			return apperr.NotFound("team")
		}
		if err != nil {
			return err
		}
		var open int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE team_id = ? AND status IN ('new','open','pending','on_hold')`, id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return apperr.Conflict("team_has_open_tickets", fmt.Sprintf("the team still has %d open tickets: move them to another team first", open))
		}
		for _, table := range []string{"tickets", "conversations", "csat_responses"} {
			if _, err := tx.Exec(ctx, `UPDATE `+table+` SET team_id = NULL WHERE team_id = ?`, id); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `DELETE FROM teams WHERE id = ?`, id)
		return err
	})
	return name, err
}

// GetTeam loads one team with its members.
func (s *Service) GetTeam(ctx context.Context, id int64) (*Team, error) {
	teams, err := s.loadTeams(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, apperr.NotFound("team")
	}
	return &teams[0], nil
}

// Teams lists every team with its enabled members, by id.
func (s *Service) Teams(ctx context.Context) ([]Team, error) { return s.loadTeams(ctx, 0) }

func (s *Service) loadTeams(ctx context.Context, only int64) ([]Team, error) {
	q := `SELECT id, name, name_en, skills, serves_vip, assignment FROM teams`
	args := []any{}
	if only > 0 {
		q += ` WHERE id = ?`
		args = append(args, only)
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	teams := []Team{}
	index := map[int64]int{}
	for rows.Next() {
		var t Team
		var sk, strategy string
		if err := rows.Scan(&t.ID, &t.Name, &t.NameEN, &sk, &t.ServesVIP, &strategy); err != nil {
			rows.Close()
			return nil, err
		}
		var k skills
		_ = json.Unmarshal([]byte(sk), &k) // a malformed value shows as "serves anything", as routing reads it
		t.Languages, t.Categories, t.Tiers = nonNil(k.Languages), nonNil(k.Categories), nonNil(k.Tiers)
		t.Assignment, t.Members = Strategy(strategy), []TeamMember{}
		index[t.ID] = len(teams)
		teams = append(teams, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	mq := `SELECT m.team_id, u.id, u.name, u.status, u.capacity, u.skills FROM team_members m JOIN users u ON u.id = m.user_id WHERE u.disabled = ?`
	margs := []any{false}
	if only > 0 {
		mq += ` AND m.team_id = ?`
		margs = append(margs, only)
	}
	rows, err = s.DB.Query(ctx, mq+` ORDER BY m.team_id, u.id`, margs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var teamID int64
		var m TeamMember
		var sk string
		if err := rows.Scan(&teamID, &m.ID, &m.Name, &m.Status, &m.Capacity, &sk); err != nil {
			return nil, err
		}
		var k skills
		_ = json.Unmarshal([]byte(sk), &k)
		m.Languages, m.Categories, m.Tiers = nonNil(k.Languages), nonNil(k.Categories), nonNil(k.Tiers)
		if i, ok := index[teamID]; ok {
			teams[i].Members = append(teams[i].Members, m)
		}
	}
	return teams, rows.Err()
}
