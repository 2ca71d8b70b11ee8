package demo

import (
	"context"
	"encoding/json"
	"time"

	"kefu/internal/auth"
	"kefu/internal/demo/content"
	"kefu/internal/sla"
	"kefu/internal/store"
)

// StaffPassword is the password of every demo agent and supervisor (the README says so).
const StaffPassword = "kefu-demo-2026"

// vipTeamKey is the content team that serves VIP customers (its description says "VIP first").
const vipTeamKey = "aftersales"

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("demo: " + err.Error()) // only plain structs and slices are marshalled here
	}
	return string(b)
}

// union appends the items of add not yet in list, keeping first-seen order.
func union(list []string, add ...string) []string {
	for _, a := range add {
		if !contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// teamHours is each team's schedule in the sla package's format: pre-sales answers until
// midnight, after-sales 09:00–22:00 (the VIP review window of policy.md), every day.
func teamHours(key string) sla.BusinessHours {
	iv := sla.Interval{Start: 9 * 60, End: 22 * 60}
	if key != vipTeamKey {
		iv = sla.Interval{Start: 9 * 60, End: 24 * 60}
	}
	w := map[string][]sla.Interval{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		w[d] = []sla.Interval{iv}
	}
	return sla.BusinessHours{Name: key, TimeZone: "Asia/Shanghai", Weekly: w}
}

// agentSkills is the users.skills / teams.skills JSON.
type agentSkills struct {
	Languages  []string `json:"languages"`
	Categories []string `json:"categories"`
	Skills     []string `json:"skills,omitempty"`
	Tiers      []string `json:"tiers"`
}

// staffRef is a demo agent as conversations and tickets need them.
type staffRef struct {
	id     int64
	nameZH string
	nameEN string
	teamID int64
	role   string
}

// loadStaff creates the teams and their agents (users through the auth service).
func loadStaff(ctx context.Context, tx *store.Tx, as *auth.Service, set *content.Set, now time.Time) (teams map[string]int64, staff []staffRef, err error) {
	teams = map[string]int64{}
	for _, t := range set.Teams {
		sk := agentSkills{Languages: []string{}, Categories: []string{}, Tiers: []string{}}
		for _, a := range set.Agents {
			if a.Team == t.Key {
				sk.Languages = union(sk.Languages, a.Languages...)
				sk.Categories = union(sk.Categories, a.Categories...)
				sk.Skills = union(sk.Skills, a.Skills...)
				sk.Tiers = union(sk.Tiers, a.Tiers...)
			}
		}
		id, err := store.InsertID(ctx, tx, `INSERT INTO teams (name, name_en, skills, serves_vip, business_hours, assignment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.NameZH, t.NameEN, toJSON(sk), t.Key == vipTeamKey, toJSON(teamHours(t.Key)), "least_busy", now.AddDate(-1, 0, 0))
		if err != nil {
			return nil, nil, err
		}
		teams[t.Key] = id
	}
	for _, a := range set.Agents {
		name, lang := a.NameZH, "zh"
		if len(a.Languages) > 0 && a.Languages[0] == "en" {
			name, lang = a.NameEN, "en"
		}
		u, err := as.CreateUser(ctx, tx, auth.NewUser{Email: a.Email, Name: name, Password: StaffPassword, Role: a.Role, Lang: lang})
		if err != nil {
			return nil, nil, err
		}
		sk := agentSkills{Languages: a.Languages, Categories: a.Categories, Skills: a.Skills, Tiers: a.Tiers}
		if _, err := tx.Exec(ctx, `UPDATE users SET capacity = ?, skills = ? WHERE id = ?`, a.MaxChats, toJSON(sk), u.ID); err != nil {
			return nil, nil, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, teams[a.Team], u.ID); err != nil {
			return nil, nil, err
		}
		staff = append(staff, staffRef{id: u.ID, nameZH: a.NameZH, nameEN: a.NameEN, teamID: teams[a.Team], role: a.Role})
	}
	return teams, staff, nil
}

// loadArticles publishes the knowledge articles, version 1 each, authored by a supervisor.
func loadArticles(ctx context.Context, tx *store.Tx, set *content.Set, authorID *int64, r *rng, now time.Time) (int, error) {
	for _, a := range set.Articles {
		created := now.Add(-r.span(30*24*time.Hour, 300*24*time.Hour)).Truncate(time.Second)
		questions, tags := toJSON(orEmpty(a.Questions)), toJSON(orEmpty(a.Tags))
		id, err := store.InsertID(ctx, tx, `INSERT INTO kb_articles (translation_key, lang, title, questions, answer, category, tags, status, audience, version, author_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, 'published', '[]', 1, ?, ?, ?) RETURNING id`,
			a.TranslationKey, a.Lang, a.Title, questions, a.Answer, a.Category, tags, authorID, created, created)
		if err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO kb_article_versions (article_id, version, title, questions, answer, category, tags, status, author_id, created_at)
			VALUES (?, 1, ?, ?, ?, ?, ?, 'published', ?, ?)`, id, a.Title, questions, a.Answer, a.Category, tags, authorID, created); err != nil {
			return 0, err
		}
	}
	return len(set.Articles), nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
