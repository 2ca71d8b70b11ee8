package kb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/kb/search"
	"kefu/internal/pii"
	"kefu/internal/store"
)

// Service reads and writes articles and keeps the search index consistent with them.
//
// Every write goes to the database first; the index is updated only after the transaction
// commits (see the after-commit hooks), so a rolled-back change never shows in search. At
// start, and whenever another kefu instance may have changed articles (checked at most every
// RefreshEvery), the index catches up from the database.
type Service struct {
	DB           *store.DB
	Now          func() time.Time
	RefreshEvery time.Duration
	// HashPhone is the keyed phone hash (pii.Box.Hash) used to find customers by phone;
	// nil disables phone search.
	HashPhone func(phone string) string

	index atomic.Pointer[search.Index]

	loadMu      sync.Mutex
	loaded      atomic.Bool
	lastRefresh atomic.Int64 // unix nanoseconds of the last catch-up with the database
	seenUpdate  time.Time    // newest updated_at the index holds (under loadMu)
	seenCount   int
}

// NewService returns a knowledge-base service; the index is built from the database on first
// use. box (may be nil) provides the keyed hash for searching records by phone.
func NewService(db *store.DB, box *pii.Box) *Service {
	s := &Service{DB: db, Now: time.Now, RefreshEvery: 5 * time.Second}
	if box != nil {
		s.HashPhone = func(p string) string { return box.Hash("phone", p) }
	}
	s.index.Store(search.New(search.DefaultOptions()))
	return s
}

// Index returns the search index (loading it from the database if needed).
func (s *Service) Index(ctx context.Context) (*search.Index, error) {
	if err := s.ensureFresh(ctx); err != nil {
		return nil, err
	}
	return s.index.Load(), nil
}

const articleCols = `id, translation_key, lang, title, questions, answer, category, tags, status, audience, version, author_id, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanArticle(r scanner) (*Article, error) {
	var a Article
	var questions, tags, audience string
	if err := r.Scan(&a.ID, &a.TranslationKey, &a.Lang, &a.Title, &questions, &a.Answer, &a.Category, &tags, &a.Status, &audience,
		&a.Version, &a.AuthorID, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		raw string
		dst *[]string
	}{{questions, &a.Questions}, {tags, &a.Tags}, {audience, &a.Audience}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return nil, fmt.Errorf("article %d: bad JSON list: %w", a.ID, err)
		}
		if *f.dst == nil {
			*f.dst = []string{}
		}
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// doc is how the index sees an article.
func doc(a *Article) search.Doc {
	return search.Doc{ID: a.ID, Lang: a.Lang, Title: a.Title, Questions: a.Questions, Answer: a.Answer,
		Tags: a.Tags, Category: a.Category, Audience: a.Audience, Status: a.Status}
}

// sync puts an article into the index, or removes it when it is archived.
func (s *Service) sync(a *Article) {
	if a.Status == "archived" {
		s.index.Load().Remove(a.ID)
		return
	}
	s.index.Load().Put(doc(a))
}

// Get returns one article with links to its translations.
func (s *Service) Get(ctx context.Context, q store.Querier, id int64) (*Article, error) {
	a, err := scanArticle(q.QueryRow(ctx, `SELECT `+articleCols+` FROM kb_articles WHERE id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("article")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, lang, title FROM kb_articles WHERE translation_key = ? AND id <> ? ORDER BY lang`, a.TranslationKey, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t Translation
		if err := rows.Scan(&t.ID, &t.Lang, &t.Title); err != nil {
			return nil, err
		}
		a.Translations = append(a.Translations, t)
	}
	return a, rows.Err()
}

// Filter narrows List.
type Filter struct {
	Lang, Status, Category, Tag, TranslationKey string
	Text                                        string // substring of the title
}

// Sorts maps API sort names to columns.
var Sorts = map[string]string{"id": "id", "updated_at": "updated_at", "title": "title", "created_at": "created_at"}

// List returns a page of articles (one extra row tells the caller there is a next page).
func (s *Service) List(ctx context.Context, f Filter, page store.Page) ([]Article, error) {
	var w store.Where
	if f.Lang != "" {
		w.Add("lang = ?", f.Lang)
	}
	if f.Status != "" {
		w.Add("status = ?", f.Status)
	}
	if f.Category != "" {
		w.Add("category = ?", f.Category)
	}
	if f.TranslationKey != "" {
		w.Add("translation_key = ?", f.TranslationKey)
	}
	if f.Tag != "" {
		// tags is a JSON array of strings; match the quoted element exactly.
		tag, _ := json.Marshal(f.Tag)
		w.Add(`tags LIKE ? ESCAPE '\'`, "%"+store.EscapeLike(string(tag))+"%")
	}
	if f.Text != "" {
		w.Add(`LOWER(title) LIKE ? ESCAPE '\'`, "%"+store.EscapeLike(toLower(f.Text))+"%")
	}
	rows, err := s.DB.Query(ctx, `SELECT `+articleCols+` FROM kb_articles`+w.SQL()+page.SQL(), w.Args()...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Article{}
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

// Create validates and stores a new article (version 1) and indexes it after commit.
func (s *Service) Create(ctx context.Context, in Input, authorID int64) (*Article, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var a *Article
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var err error
		a, err = s.create(ctx, tx, in, authorID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.sync(a)
	return a, nil
}

// create inserts a validated article inside tx (the caller indexes it after commit).
func (s *Service) create(ctx context.Context, tx store.Querier, in Input, authorID int64) (*Article, error) {
	now := s.Now().UTC()
	key := in.TranslationKey
	if key == "" {
		key = "tmp-" + strconv.FormatInt(now.UnixNano(), 36) // replaced by kb-<id> below
	}
	var author any
	if authorID > 0 {
		author = authorID
	}
	id, err := store.InsertID(ctx, tx, `INSERT INTO kb_articles (translation_key, lang, title, questions, answer, category, tags, status, audience, version, author_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) RETURNING id`,
		key, in.Lang, in.Title, jsonList(in.Questions), in.Answer, in.Category, jsonList(in.Tags), in.Status, jsonList(in.Audience), author, now, now)
	if store.IsUniqueViolation(err) {
		return nil, apperr.Conflict("translation_exists", fmt.Sprintf("an article in %s with translation_key %q already exists", in.Lang, key))
	}
	if err != nil {
		return nil, err
	}
	if in.TranslationKey == "" {
		if _, err := tx.Exec(ctx, `UPDATE kb_articles SET translation_key = ? WHERE id = ?`, "kb-"+strconv.FormatInt(id, 10), id); err != nil {
			return nil, err
		}
	}
	if err := s.addVersion(ctx, tx, id); err != nil {
		return nil, err
	}
	return s.Get(ctx, tx, id)
}

// addVersion copies the article's current state into its history.
func (s *Service) addVersion(ctx context.Context, q store.Querier, id int64) error {
	_, err := q.Exec(ctx, `INSERT INTO kb_article_versions (article_id, version, title, questions, answer, category, tags, status, author_id, created_at)
		SELECT id, version, title, questions, answer, category, tags, status, author_id, updated_at FROM kb_articles WHERE id = ?`, id)
	return err
}

// Update applies a patch if the article is still at p.Version, storing the new version in the
// history; otherwise it fails with stale_version and changes nothing.
func (s *Service) Update(ctx context.Context, id int64, p Patch, authorID int64) (*Article, error) {
	if p.Version <= 0 {
		return nil, apperr.Invalid("version", "is required: the version you edited (optimistic concurrency)")
	}
	var a *Article
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		cur, err := s.Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Version != p.Version {
			return staleVersion(cur.Version)
		}
		in := p.apply(cur)
		if err := in.Validate(); err != nil {
			return err
		}
		if in.TranslationKey == "" {
			in.TranslationKey = cur.TranslationKey
		}
		a, err = s.update(ctx, tx, id, p.Version, in, authorID)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.sync(a)
	return a, nil
}

func staleVersion(current int) error {
	return apperr.Conflict("stale_version", fmt.Sprintf("the article was changed by someone else (now version %d); reload it and apply your edit again", current))
}

func (s *Service) update(ctx context.Context, tx store.Querier, id int64, version int, in Input, authorID int64) (*Article, error) {
	var author any
	if authorID > 0 {
		author = authorID
	}
	res, err := tx.Exec(ctx, `UPDATE kb_articles SET translation_key = ?, lang = ?, title = ?, questions = ?, answer = ?, category = ?, tags = ?,
		status = ?, audience = ?, version = version + 1, author_id = ?, updated_at = ? WHERE id = ? AND version = ?`,
		in.TranslationKey, in.Lang, in.Title, jsonList(in.Questions), in.Answer, in.Category, jsonList(in.Tags), in.Status, jsonList(in.Audience),
		author, s.Now().UTC(), id, version)
	if store.IsUniqueViolation(err) {
		return nil, apperr.Conflict("translation_exists", fmt.Sprintf("an article in %s with translation_key %q already exists", in.Lang, in.TranslationKey))
	}
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var cur int
		if err := tx.QueryRow(ctx, `SELECT version FROM kb_articles WHERE id = ?`, id).Scan(&cur); err != nil {
			return nil, apperr.NotFound("article")
		}
		return nil, staleVersion(cur)
	}
	if err := s.addVersion(ctx, tx, id); err != nil {
		return nil, err
	}
	return s.Get(ctx, tx, id)
}

// Archive hides an article from search and customers, keeping it and its history.
func (s *Service) Archive(ctx context.Context, id int64, version int, authorID int64) (*Article, error) {
	st := "archived"
	if version == 0 {
		// Archiving is idempotent and loses no edit, so it may skip the version check.
		var cur int
		if err := s.DB.QueryRow(ctx, `SELECT version FROM kb_articles WHERE id = ?`, id).Scan(&cur); err != nil {
			return nil, apperr.NotFound("article")
		}
		version = cur
	}
	return s.Update(ctx, id, Patch{Version: version, Status: &st}, authorID)
}

// Delete removes an article and its history for good (usage events keep their counts).
func (s *Service) Delete(ctx context.Context, id int64) error {
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM kb_article_versions WHERE article_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM kb_articles WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("article")
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.index.Load().Remove(id)
	return nil
}

// Version is one entry of an article's history.
type Version struct {
	Version   int       `json:"version"`
	Title     string    `json:"title"`
	Questions []string  `json:"questions"`
	Answer    string    `json:"answer"`
	Category  string    `json:"category"`
	Tags      []string  `json:"tags"`
	Status    string    `json:"status"`
	AuthorID  *int64    `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
}

// Versions returns an article's history, newest first.
func (s *Service) Versions(ctx context.Context, id int64) ([]Version, error) {
	if _, err := s.Get(ctx, s.DB, id); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT version, title, questions, answer, category, tags, status, author_id, created_at
		FROM kb_article_versions WHERE article_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Version{}
	for rows.Next() {
		var v Version
		var qs, tags string
		if err := rows.Scan(&v.Version, &v.Title, &qs, &v.Answer, &v.Category, &tags, &v.Status, &v.AuthorID, &v.CreatedAt); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(qs), &v.Questions)
		json.Unmarshal([]byte(tags), &v.Tags)
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

// Load rebuilds the index from every article that is not archived. It runs on first use (so a
// fresh process or a lost index rebuilds itself) and may be called at start.
func (s *Service) Load(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	return s.loadLocked(ctx)
}

func (s *Service) loadLocked(ctx context.Context) error {
	fresh := search.New(search.DefaultOptions())
	rows, err := s.DB.Query(ctx, `SELECT `+articleCols+` FROM kb_articles WHERE status <> 'archived'`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var newest time.Time
	n := 0
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return err
		}
		fresh.Put(doc(a))
		newest = maxTime(newest, a.UpdatedAt)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.index.Store(fresh)
	s.seenUpdate, s.seenCount = newest, n
	s.loaded.Store(true)
	s.lastRefresh.Store(s.Now().UnixNano())
	return nil
}

// ensureFresh loads the index on first use and, at most every RefreshEvery, applies changes
// other kefu instances made (new updated_at values; a changed count means deletions, which
// forces a full reload).
func (s *Service) ensureFresh(ctx context.Context) error {
	if s.loaded.Load() && s.Now().UnixNano()-s.lastRefresh.Load() < int64(s.RefreshEvery) {
		return nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if !s.loaded.Load() {
		return s.loadLocked(ctx)
	}
	if s.Now().UnixNano()-s.lastRefresh.Load() < int64(s.RefreshEvery) {
		return nil
	}
	s.lastRefresh.Store(s.Now().UnixNano())
	var count int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM kb_articles WHERE status <> 'archived'`).Scan(&count); err != nil {
		return err
	}
	rows, err := s.DB.Query(ctx, `SELECT `+articleCols+` FROM kb_articles WHERE updated_at > ?`, s.seenUpdate)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return err
		}
		s.sync(a)
		s.seenUpdate = maxTime(s.seenUpdate, a.UpdatedAt)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close() // before a reload opens its own query
	if count != s.index.Load().Len() {
		return s.loadLocked(ctx)
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func toLower(s string) string {
	b := []rune(s)
	for i, r := range b {
		if 'A' <= r && r <= 'Z' {
			b[i] = r + 'a' - 'A'
		}
	}
	return string(b)
}
