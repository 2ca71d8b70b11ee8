package kb

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/kb/search"
	"kefu/internal/store"
)

// Gap is a cluster of similar questions the bot could not answer: what the knowledge base is
// missing, most asked first.
type Gap struct {
	Count       int       `json:"count"`
	Lang        string    `json:"lang"`
	Question    string    `json:"question"`     // the cluster's most typical question (a title to start from)
	Examples    []string  `json:"examples"`     // up to 5 distinct wordings
	QuestionIDs []int64   `json:"question_ids"` // pass these to CreateFromGap
	FirstAt     time.Time `json:"first_at"`
	LastAt      time.Time `json:"last_at"`
}

// GapOptions narrow Gaps.
type GapOptions struct {
	Lang  string
	Since time.Time // default: 90 days ago
	Limit int       // clusters returned (default 50)
}

// gapWindow bounds how many open questions are clustered at once (the newest).
const gapWindow = 5000

// gapSimilarity is the relevance (score over the leader's perfect-match score) above which a
// question joins a cluster. Short questions that share their key words ("怎么开发票",
// "可以开发票吗") score 0.3–0.6; ones that share only a function word stay below 0.15.
const gapSimilarity = 0.25

// Gaps groups the open unanswered questions into clusters of similar questions. Each question
// joins the cluster of the first earlier question it closely matches (leader clustering with
// the same retrieval the bot uses), so "怎么开发票" and "如何开具发票" end up together while
// "退款多久到账" starts its own cluster.
func (s *Service) Gaps(ctx context.Context, opt GapOptions) ([]Gap, error) {
	if opt.Since.IsZero() {
		opt.Since = s.Now().Add(-90 * 24 * time.Hour)
	}
	if opt.Limit <= 0 {
		opt.Limit = 50
	}
	var w store.Where
	w.Add("resolved_at IS NULL").Add("created_at >= ?", opt.Since.UTC())
	if opt.Lang != "" {
		w.Add("lang = ?", opt.Lang)
	}
	rows, err := s.DB.Query(ctx, `SELECT id, question, lang, created_at FROM kb_unanswered`+w.SQL()+` ORDER BY id DESC LIMIT `+itoa(gapWindow), w.Args()...)
	if err != nil {
		return nil, err
	}
	var qs []Unanswered
	for rows.Next() {
		var u Unanswered
		if err := rows.Scan(&u.ID, &u.Question, &u.Lang, &u.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		u.CreatedAt = u.CreatedAt.UTC()
		qs = append(qs, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Reverse(qs) // oldest first: the first wording of a question leads its cluster
	return ClusterQuestions(qs, opt.Limit), nil
}

// ClusterQuestions is the pure clustering step of Gaps.
func ClusterQuestions(qs []Unanswered, limit int) []Gap {
	ix := search.New(search.DefaultOptions())
	for i, u := range qs {
		ix.Put(search.Doc{ID: int64(i + 1), Lang: u.Lang, Questions: []string{u.Question}})
	}
	cluster := make([]int, len(qs)) // 0 = not yet assigned, else leader index + 1
	var gaps []Gap
	var members [][]int
	for i, u := range qs {
		if cluster[i] != 0 {
			continue
		}
		cluster[i] = i + 1
		group := []int{i}
		res := ix.Search(search.Query{Text: u.Question, Lang: u.Lang, Limit: 100})
		for _, h := range res.Hits {
			j := int(h.ID - 1)
			if j != i && cluster[j] == 0 && h.Relevance >= gapSimilarity {
				cluster[j] = i + 1
				group = append(group, j)
			}
		}
		members = append(members, group)
	}
	for _, group := range members {
		g := Gap{Count: len(group), Lang: qs[group[0]].Lang, Question: qs[group[0]].Question, Examples: []string{}, QuestionIDs: []int64{}}
		g.FirstAt, g.LastAt = qs[group[0]].CreatedAt, qs[group[0]].CreatedAt
		for _, j := range group {
			u := qs[j]
			if len(g.Examples) < 5 && !slices.Contains(g.Examples, u.Question) {
				g.Examples = append(g.Examples, u.Question)
			}
			g.QuestionIDs = append(g.QuestionIDs, u.ID)
			if u.CreatedAt.Before(g.FirstAt) {
				g.FirstAt = u.CreatedAt
			}
			if u.CreatedAt.After(g.LastAt) {
				g.LastAt = u.CreatedAt
			}
		}
		gaps = append(gaps, g)
	}
	slices.SortStableFunc(gaps, func(a, b Gap) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return b.LastAt.Compare(a.LastAt)
	})
	if len(gaps) > limit {
		gaps = gaps[:limit]
	}
	if gaps == nil {
		gaps = []Gap{}
	}
	return gaps
}

// GapArticle turns a knowledge gap into a draft article.
type GapArticle struct {
	QuestionIDs []int64 `json:"question_ids"`
	Lang        string  `json:"lang"`
	Title       string  `json:"title"`  // default: the first question
	Answer      string  `json:"answer"` // required: what the bot should say
	Category    string  `json:"category"`
}

// CreateFromGap creates a draft article whose question variants are the gap's distinct
// questions, and marks those questions resolved by it.
func (s *Service) CreateFromGap(ctx context.Context, in GapArticle, authorID int64) (*Article, error) {
	if len(in.QuestionIDs) == 0 {
		return nil, apperr.Invalid("question_ids", "is required: the question ids of a knowledge gap")
	}
	if len(in.QuestionIDs) > 1000 {
		return nil, apperr.Invalid("question_ids", "must have at most 1000 items")
	}
	var a *Article
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var questions []string
		lang := in.Lang
		for _, id := range in.QuestionIDs {
			var q, l string
			err := tx.QueryRow(ctx, `SELECT question, lang FROM kb_unanswered WHERE id = ?`, id).Scan(&q, &l)
			if store.IsNoRows(err) {
				return apperr.Invalid("question_ids", "no unanswered question with id "+itoa(int(id)))
			}
			if err != nil {
				return err
			}
			if lang == "" {
				lang = l
			}
			q = strings.TrimSpace(truncate(q, MaxQuestion))
			if len(questions) < MaxQuestions && q != "" && !slices.Contains(questions, q) {
				questions = append(questions, q)
			}
		}
		title := in.Title
		if title == "" && len(questions) > 0 {
			title = truncate(questions[0], MaxTitle)
		}
		input := Input{Lang: lang, Title: title, Questions: questions, Answer: in.Answer, Category: in.Category, Status: "draft"}
		if err := input.Validate(); err != nil {
			return err
		}
		var err error
		if a, err = s.create(ctx, tx, input, authorID); err != nil {
			return err
		}
		for _, id := range in.QuestionIDs {
			if _, err := tx.Exec(ctx, `UPDATE kb_unanswered SET resolved_at = ?, resolved_article_id = ? WHERE id = ? AND resolved_at IS NULL`,
				s.Now().UTC(), a.ID, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.sync(a)
	return a, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
