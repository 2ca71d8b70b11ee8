package kb

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// CSVColumns is the header of kb CSV files. questions holds one variant per line; tags and
// audience are separated by "|". translation_key + lang identify an article: importing a row
// whose pair exists updates that article (a new version) instead of adding a duplicate.
var CSVColumns = []string{"translation_key", "lang", "title", "questions", "answer", "category", "tags", "status", "audience"}

// RowError is one rejected row (CSV) or file (Markdown) of an import.
type RowError struct {
	Line    int    `json:"line"` // 1-based line where the row or the file's field starts
	File    string `json:"file,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ImportReport says what an import did: good rows are imported, bad ones listed.
type ImportReport struct {
	Created int        `json:"created"`
	Updated int        `json:"updated"`
	Errors  []RowError `json:"errors"`
}

// MaxImportRows bounds one import.
const MaxImportRows = 20000

// ImportCSV imports articles from CSV. A structurally unreadable file (no header, bad
// quoting) is an error; a row that fails validation is reported with its line and skipped.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader, authorID int64) (*ImportReport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, apperr.BadRequest("invalid_csv", "cannot read the CSV header: "+csvMsg(err))
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, need := range []string{"lang", "title", "answer"} {
		if _, ok := col[need]; !ok {
			return nil, apperr.BadRequest("invalid_csv", "the header must have the columns "+strings.Join(CSVColumns, ","))
		}
	}
	rep := &ImportReport{Errors: []RowError{}}
	for n := 0; ; n++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Errors = append(rep.Errors, RowError{Line: pe.StartLine, Code: "invalid_csv", Message: csvMsg(err)})
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					return rep, nil // the rest of the file cannot be trusted after a broken quote
				}
				continue
			}
			return nil, err
		}
		if n >= MaxImportRows {
			rep.Errors = append(rep.Errors, RowError{Line: line, Code: "too_many_rows", Message: fmt.Sprintf("an import holds at most %d rows; the rest was not imported", MaxImportRows)})
			break
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		in := Input{TranslationKey: get("translation_key"), Lang: strings.TrimSpace(get("lang")), Title: get("title"),
			Questions: splitLines(get("questions")), Answer: get("answer"), Category: get("category"),
			Tags: splitBar(get("tags")), Status: strings.TrimSpace(get("status")), Audience: splitBar(get("audience"))}
		s.importOne(ctx, in, authorID, rep, RowError{Line: line})
	}
	return rep, nil
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// importOne validates and upserts one article, recording a failure in rep.
func (s *Service) importOne(ctx context.Context, in Input, authorID int64, rep *ImportReport, where RowError) {
	fail := func(err error) {
		e := where
		if ae, ok := apperr.As(err); ok {
			e.Field, e.Code, e.Message = ae.Field, ae.Code, ae.Message
		} else {
			e.Code, e.Message = "internal", "could not store this row"
		}
		rep.Errors = append(rep.Errors, e)
	}
	if err := in.Validate(); err != nil {
		fail(err)
		return
	}
	var a *Article
	created := false
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		var id int64
		var version int
		err := tx.QueryRow(ctx, `SELECT id, version FROM kb_articles WHERE translation_key = ? AND lang = ?`, in.TranslationKey, in.Lang).Scan(&id, &version)
		if in.TranslationKey == "" || store.IsNoRows(err) {
			created = true
			a, err = s.create(ctx, tx, in, authorID)
			return err
		}
		if err != nil {
			return err
		}
		a, err = s.update(ctx, tx, id, version, in, authorID)
		return err
	})
	if err != nil {
		fail(err)
		return
	}
	s.sync(a)
	if created {
		rep.Created++
	} else {
		rep.Updated++
	}
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func splitBar(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "|") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ExportCSV writes the articles matching f as CSV (the format ImportCSV reads).
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, f Filter) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	err := s.each(ctx, f, func(a *Article) error {
		return cw.Write([]string{a.TranslationKey, a.Lang, a.Title, strings.Join(a.Questions, "\n"), a.Answer, a.Category,
			strings.Join(a.Tags, "|"), a.Status, strings.Join(a.Audience, "|")})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// each calls fn for every article matching f, in id order, a page at a time.
func (s *Service) each(ctx context.Context, f Filter, fn func(*Article) error) error {
	page := store.Page{Limit: 500, Sort: "id"}
	for {
		items, err := s.List(ctx, f, page)
		if err != nil {
			return err
		}
		more := len(items) > page.Limit
		if more {
			items = items[:page.Limit]
		}
		for i := range items {
			if err := fn(&items[i]); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
		page.Offset += page.Limit
	}
}

// MarkdownFile is one article as a Markdown file with front matter.
type MarkdownFile struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// ExportMarkdown returns the articles matching f as Markdown files named <key>.<lang>.md.
func (s *Service) ExportMarkdown(ctx context.Context, f Filter) ([]MarkdownFile, error) {
	out := []MarkdownFile{}
	err := s.each(ctx, f, func(a *Article) error {
		out = append(out, MarkdownFile{Name: safeName(a.TranslationKey) + "." + a.Lang + ".md", Content: FormatMarkdown(a)})
		return nil
	})
	return out, err
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

func safeName(s string) string {
	s = unsafeName.ReplaceAllString(s, "_")
	if s == "" || s[0] == '.' {
		s = "article" + s
	}
	return s
}

// FormatMarkdown renders an article as front matter (a YAML subset: strings are JSON-quoted,
// lists are one "- item" per line) followed by the answer.
func FormatMarkdown(a *Article) string {
	var b strings.Builder
	q := func(s string) string { v, _ := json.Marshal(s); return string(v) }
	b.WriteString("---\n")
	fmt.Fprintf(&b, "translation_key: %s\nlang: %s\ntitle: %s\ncategory: %s\nstatus: %s\n", q(a.TranslationKey), a.Lang, q(a.Title), q(a.Category), a.Status)
	for _, l := range []struct {
		name string
		vs   []string
	}{{"questions", a.Questions}, {"tags", a.Tags}, {"audience", a.Audience}} {
		if len(l.vs) == 0 {
			fmt.Fprintf(&b, "%s: []\n", l.name)
			continue
		}
		b.WriteString(l.name + ":\n")
		for _, v := range l.vs {
			b.WriteString("  - " + q(v) + "\n")
		}
	}
	b.WriteString("---\n")
	b.WriteString(a.Answer)
	if !strings.HasSuffix(a.Answer, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// ParseMarkdown reads one article file. Errors carry the 1-based line they refer to.
func ParseMarkdown(content string) (Input, error) {
	content = strings.TrimPrefix(strings.ReplaceAll(content, "\r\n", "\n"), "\ufeff")
	lines := strings.Split(content, "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		return Input{}, lineErr(1, "", "the file must start with a front matter block between --- lines")
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return Input{}, lineErr(1, "", "the front matter is not closed with a --- line")
	}
	var in Input
	lists := map[string]*[]string{"questions": &in.Questions, "tags": &in.Tags, "audience": &in.Audience}
	scalars := map[string]*string{"translation_key": &in.TranslationKey, "lang": &in.Lang, "title": &in.Title, "category": &in.Category, "status": &in.Status}
	var current *[]string
	var currentName string
	for i := 1; i < end; i++ {
		raw := lines[i]
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasPrefix(t, "- ") || t == "-" {
			if current == nil {
				return Input{}, lineErr(i+1, "", "a list item must follow a list key (questions, tags or audience)")
			}
			v, err := yamlScalar(strings.TrimSpace(strings.TrimPrefix(t, "-")))
			if err != nil {
				return Input{}, lineErr(i+1, currentName, err.Error())
			}
			*current = append(*current, v)
			continue
		}
		key, val, ok := strings.Cut(t, ":")
		if !ok {
			return Input{}, lineErr(i+1, "", "expected `key: value`")
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		current = nil
		if dst, ok := lists[key]; ok {
			currentName = key
			switch {
			case val == "" || val == "[]":
				current = dst
			case strings.HasPrefix(val, "[") && strings.HasSuffix(val, "]"):
				for _, item := range splitFlow(val[1 : len(val)-1]) {
					v, err := yamlScalar(item)
					if err != nil {
						return Input{}, lineErr(i+1, key, err.Error())
					}
					*dst = append(*dst, v)
				}
			default:
				return Input{}, lineErr(i+1, key, "must be a list: [a, b] or one `- item` per line")
			}
			continue
		}
		dst, ok := scalars[key]
		if !ok {
			return Input{}, lineErr(i+1, key, "unknown front matter key (known: translation_key, lang, title, category, status, questions, tags, audience)")
		}
		v, err := yamlScalar(val)
		if err != nil {
			return Input{}, lineErr(i+1, key, err.Error())
		}
		*dst = v
	}
	in.Answer = strings.Join(lines[end+1:], "\n")
	return in, nil
}

// yamlScalar reads a plain, 'single' or "double" (JSON-style escapes) quoted scalar.
func yamlScalar(s string) (string, error) {
	switch {
	case strings.HasPrefix(s, `"`):
		v, err := strconv.Unquote(s)
		if err != nil {
			var js string
			if json.Unmarshal([]byte(s), &js) == nil {
				return js, nil
			}
			return "", errors.New("a double-quoted value is not closed or has a bad escape")
		}
		return v, nil
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			return "", errors.New("a single-quoted value is not closed")
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	}
	return s, nil
}

// splitFlow splits the inside of a [a, "b, c"] flow list at commas outside quotes.
func splitFlow(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == ',':
			if t := strings.TrimSpace(cur.String()); t != "" {
				out = append(out, t)
			}
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	if t := strings.TrimSpace(cur.String()); t != "" {
		out = append(out, t)
	}
	return out
}

type lineError struct {
	line  int
	field string
	msg   string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func lineErr(line int, field, msg string) error { return &lineError{line, field, msg} }

// MaxImportFiles bounds one Markdown import.
const MaxImportFiles = 5000

// ImportMarkdown imports Markdown files; a bad file is reported with its name and line and
// skipped, the good ones are imported.
func (s *Service) ImportMarkdown(ctx context.Context, files []MarkdownFile, authorID int64) (*ImportReport, error) {
	if len(files) > MaxImportFiles {
		return nil, apperr.Invalid("files", fmt.Sprintf("an import holds at most %d files", MaxImportFiles))
	}
	rep := &ImportReport{Errors: []RowError{}}
	for _, f := range files {
		in, err := ParseMarkdown(f.Content)
		if err != nil {
			var le *lineError
			e := RowError{File: f.Name, Line: 1, Code: "invalid_markdown", Message: err.Error()}
			if errors.As(err, &le) {
				e.Line, e.Field, e.Message = le.line, le.field, le.msg
			}
			rep.Errors = append(rep.Errors, e)
			continue
		}
		s.importOne(ctx, in, authorID, rep, RowError{File: f.Name, Line: 1})
	}
	return rep, nil
}
