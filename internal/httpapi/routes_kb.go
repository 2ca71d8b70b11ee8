package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/kb"
	"kefu/internal/recordsearch"
)

func init() { routeGroups = append(routeGroups, (*Server).kbRoutes) }

func (s *Server) kbRoutes() []Route {
	idPath := "/api/v1/kb/articles/{id}"
	return []Route{
		{Method: "GET", Path: "/api/v1/kb/articles", Perm: auth.PermKBRead, Handler: s.listKB, Tag: "kb", Summary: "List knowledge-base articles",
			Query: append(pageParams("id, created_at, updated_at, title"), Param{Name: "lang", Type: "string", Enum: kb.Langs},
				Param{Name: "status", Type: "string", Enum: kb.Statuses}, Param{Name: "category", Type: "string"}, Param{Name: "tag", Type: "string"},
				Param{Name: "translation_key", Type: "string"}, Param{Name: "q", Type: "string", Description: "text in the title"}),
			Response: listResponse[kb.Article]{}},
		{Method: "POST", Path: "/api/v1/kb/articles", Perm: auth.PermKBWrite, Handler: s.createKB, Tag: "kb", Summary: "Create an article (version 1)",
			Body: kb.Input{}, Response: kb.Article{}, Status: http.StatusCreated},
		{Method: "GET", Path: idPath, Perm: auth.PermKBRead, Handler: s.getKB, Tag: "kb", Summary: "Get an article with links to its translations", Response: kb.Article{}},
		{Method: "PATCH", Path: idPath, Perm: auth.PermKBWrite, Handler: s.updateKB, Tag: "kb",
			Summary: "Change an article; `version` must be the version you edited (409 stale_version otherwise)", Body: kb.Patch{}, Response: kb.Article{}},
		{Method: "DELETE", Path: idPath, Perm: auth.PermKBWrite, Handler: s.deleteKB, Tag: "kb",
			Summary: "Archive an article (kept with its history); ?hard=true deletes it for good",
			Query:   []Param{{Name: "hard", Type: "boolean", Description: "delete instead of archiving"}}, Response: kb.Article{}},
		{Method: "GET", Path: idPath + "/versions", Perm: auth.PermKBRead, Handler: s.kbVersions, Tag: "kb", Summary: "An article's version history, newest first", Response: []kb.Version{}},
		{Method: "GET", Path: idPath + "/usage", Perm: auth.PermKBRead, Handler: s.kbUsage, Tag: "kb", Summary: "How often an article was shown, suggested, inserted and rated", Response: kb.Usage{}},
		{Method: "POST", Path: idPath + "/insert", Perm: auth.PermKBRead, Handler: s.kbInsert, Tag: "kb",
			Summary: "Render an article's answer for a conversation (placeholders filled) and record the insertion", Body: kbInsertRequest{}, Response: kb.Inserted{}},
		{Method: "GET", Path: "/api/v1/kb/search", Perm: auth.PermKBRead, Handler: s.searchKB, Tag: "kb",
			Summary: "Search articles: ranked hits with the matched passage highlighted, a calibrated confidence and the bot's decision",
			Query: []Param{{Name: "q", Type: "string", Description: "the question (any text; long input is cut)"}, {Name: "lang", Type: "string", Enum: kb.Langs},
				{Name: "tier", Type: "string", Description: "customer tier, to respect audiences"}, {Name: "drafts", Type: "boolean", Description: "include drafts"},
				{Name: "limit", Type: "integer", Description: "1 to 50, default 10"}},
			Response: kb.SearchResult{}},
		{Method: "GET", Path: "/api/v1/kb/records", Perm: auth.PermConversations, Handler: s.kbRecords, Tag: "kb",
			Summary: "Search conversations, messages and tickets by text, customer, order number or phone (matched by keyed hash), newest first",
			Query: []Param{{Name: "q", Type: "string", Description: "words (Chinese matched inside longer words: 退款 finds 申请退款流程); at most 500 characters"},
				{Name: "customer_id", Type: "integer"}, {Name: "conversation_id", Type: "integer"}, {Name: "order", Type: "string", Description: "order number"},
				{Name: "phone", Type: "string", Description: "exact phone number"}, {Name: "from", Type: "string", Description: "created at or after (RFC 3339)"},
				{Name: "to", Type: "string", Description: "created before (RFC 3339)"}, {Name: "kind", Type: "string", Enum: recordsearch.Kinds, Description: "one kind only (needed to page)"},
				{Name: "before", Type: "integer", Description: "with kind: the next cursor of the previous page"},
				{Name: "limit", Type: "integer", Description: "per kind, 1 to 100, default 20"}},
			Response: recordsearch.Page{}},
		{Method: "GET", Path: "/api/v1/kb/suggestions", Perm: auth.PermKBRead, Handler: s.kbSuggestions, Tag: "kb",
			Summary:  "Top articles for a conversation's latest customer messages (recorded as suggested)",
			Query:    []Param{{Name: "conversation_id", Type: "integer"}, {Name: "limit", Type: "integer", Description: "1 to 20, default 5"}},
			Response: kb.Suggestions{}},
		{Method: "POST", Path: "/api/v1/kb/events", Perm: auth.PermKBRead, Handler: s.kbEvent, Tag: "kb",
			Summary: "Record an article usage event (shown, suggested, inserted, helpful, unhelpful)", Body: kb.Event{}, Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/kb/gaps", Perm: auth.PermKBWrite, Handler: s.kbGaps, Tag: "kb",
			Summary:  "Knowledge gaps: clusters of similar questions the bot could not answer, most asked first",
			Query:    []Param{{Name: "lang", Type: "string", Enum: kb.Langs}, {Name: "limit", Type: "integer", Description: "1 to 200, default 50"}},
			Response: []kb.Gap{}},
		{Method: "POST", Path: "/api/v1/kb/gaps/article", Perm: auth.PermKBWrite, Handler: s.kbGapArticle, Tag: "kb",
			Summary: "Create a draft article from a knowledge gap (its questions become the variants and are resolved)", Body: kb.GapArticle{},
			Response: kb.Article{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/kb/import", Perm: auth.PermKBWrite, Handler: s.kbImport, Tag: "kb",
			Summary: "Bulk import: ?format=csv with a text/csv body, or format=markdown with {\"files\":[{name,content}]}; bad rows are reported by line, good ones imported",
			Query:   []Param{{Name: "format", Type: "string", Enum: []string{"csv", "markdown"}}}, Body: kbMarkdownImport{}, Response: kb.ImportReport{}},
		{Method: "GET", Path: "/api/v1/kb/export", Perm: auth.PermKBWrite, Handler: s.kbExport, Tag: "kb",
			Summary:  "Export articles as CSV (text/csv) or Markdown files with front matter (JSON)",
			Query:    []Param{{Name: "format", Type: "string", Enum: []string{"csv", "markdown"}}, {Name: "lang", Type: "string", Enum: kb.Langs}, {Name: "status", Type: "string", Enum: kb.Statuses}},
			Response: kbMarkdownImport{}},
	}
}

type kbInsertRequest struct {
	ConversationID int64 `json:"conversation_id"`
}

type kbMarkdownImport struct {
	Files []kb.MarkdownFile `json:"files"`
}

func (s *Server) kbFilter(r *http.Request) (kb.Filter, error) {
	var f kb.Filter
	var err error
	if f.Lang, err = queryEnum(r, "lang", kb.Langs...); err != nil {
		return f, err
	}
	if f.Status, err = queryEnum(r, "status", kb.Statuses...); err != nil {
		return f, err
	}
	for name, dst := range map[string]*string{"category": &f.Category, "tag": &f.Tag, "translation_key": &f.TranslationKey, "q": &f.Text} {
		if *dst, err = queryText(r, name, 200); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (s *Server) listKB(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, kb.Sorts, "-updated_at")
	if err != nil {
		return err
	}
	f, err := s.kbFilter(r)
	if err != nil {
		return err
	}
	items, err := s.Services.KB.List(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

func (s *Server) createKB(w http.ResponseWriter, r *http.Request) error {
	var in kb.Input
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.Services.KB.Create(r.Context(), in, principal(r).User.ID)
	if err != nil {
		return err
	}
	s.audit(r, "kb.create", "kb_article", a.ID, nil)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) getKB(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Services.KB.Get(r.Context(), s.DB, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) updateKB(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p kb.Patch
	if err := s.decodeJSON(w, r, &p); err != nil {
		return err
	}
	a, err := s.Services.KB.Update(r.Context(), id, p, principal(r).User.ID)
	if err != nil {
		return err
	}
	s.audit(r, "kb.update", "kb_article", id, map[string]any{"version": a.Version})
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) deleteKB(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hard, err := queryEnum(r, "hard", "true", "false")
	if err != nil {
		return err
	}
	if hard == "true" {
		if err := s.Services.KB.Delete(r.Context(), id); err != nil {
			return err
		}
		s.audit(r, "kb.delete", "kb_article", id, nil)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	a, err := s.Services.KB.Archive(r.Context(), id, 0, principal(r).User.ID)
	if err != nil {
		return err
	}
	s.audit(r, "kb.archive", "kb_article", id, nil)
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) kbVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	vs, err := s.Services.KB.Versions(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, vs)
	return nil
}

func (s *Server) kbUsage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Services.KB.ArticleUsage(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) kbInsert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in kbInsertRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.ConversationID < 0 {
		return apperr.Invalid("conversation_id", "must be a positive whole number")
	}
	out, err := s.Services.KB.Insert(r.Context(), id, in.ConversationID, principal(r).User.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, lo, hi, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Invalid(name, "must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

func (s *Server) searchKB(w http.ResponseWriter, r *http.Request) error {
	// The query is free text: any characters are fine and long input is cut, not refused,
	// because customers paste whole messages. Only invalid UTF-8 is replaced.
	q := strings.ToValidUTF8(r.URL.Query().Get("q"), "\uFFFD")
	var req kb.SearchRequest
	req.Query = strings.ReplaceAll(q, "\x00", " ")
	var err error
	if req.Lang, err = queryEnum(r, "lang", kb.Langs...); err != nil {
		return err
	}
	if req.Tier, err = queryText(r, "tier", 32); err != nil {
		return err
	}
	drafts, err := queryEnum(r, "drafts", "true", "false")
	if err != nil {
		return err
	}
	req.Drafts = drafts == "true"
	if req.Limit, err = queryInt(r, "limit", 1, 50, 10); err != nil {
		return err
	}
	res, err := s.Services.KB.Search(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) kbSuggestions(w http.ResponseWriter, r *http.Request) error {
	cid, err := queryID(r, "conversation_id")
	if err != nil {
		return err
	}
	if cid == 0 {
		return apperr.Invalid("conversation_id", "is required")
	}
	limit, err := queryInt(r, "limit", 1, 20, 5)
	if err != nil {
		return err
	}
	out, err := s.Services.KB.Suggest(r.Context(), cid, principal(r).User.ID, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) kbEvent(w http.ResponseWriter, r *http.Request) error {
	var e kb.Event
	if err := s.decodeJSON(w, r, &e); err != nil {
		return err
	}
	e.UserID = principal(r).User.ID
	if err := s.Services.KB.RecordEvent(r.Context(), s.DB, e); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) kbGaps(w http.ResponseWriter, r *http.Request) error {
	var opt kb.GapOptions
	var err error
	if opt.Lang, err = queryEnum(r, "lang", kb.Langs...); err != nil {
		return err
	}
	if opt.Limit, err = queryInt(r, "limit", 1, 200, 50); err != nil {
		return err
	}
	gaps, err := s.Services.KB.Gaps(r.Context(), opt)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, gaps)
	return nil
}

func (s *Server) kbGapArticle(w http.ResponseWriter, r *http.Request) error {
	var in kb.GapArticle
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	a, err := s.Services.KB.CreateFromGap(r.Context(), in, principal(r).User.ID)
	if err != nil {
		return err
	}
	s.audit(r, "kb.create", "kb_article", a.ID, map[string]any{"from_gap": len(in.QuestionIDs)})
	writeJSON(w, http.StatusCreated, a)
	return nil
}

func (s *Server) kbImport(w http.ResponseWriter, r *http.Request) error {
	format, err := queryEnum(r, "format", "csv", "markdown")
	if err != nil {
		return err
	}
	var rep *kb.ImportReport
	switch format {
	case "csv":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes*8))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return apperr.New(http.StatusRequestEntityTooLarge, "body_too_large", "the CSV is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes; split it")
			}
			return err
		}
		rep, err = s.Services.KB.ImportCSV(r.Context(), bytes.NewReader(body), principal(r).User.ID)
		if err != nil {
			return err
		}
	case "markdown":
		var in kbMarkdownImport
		if err := s.decodeJSON(w, r, &in); err != nil {
			return err
		}
		rep, err = s.Services.KB.ImportMarkdown(r.Context(), in.Files, principal(r).User.ID)
		if err != nil {
			return err
		}
	default:
		return apperr.Invalid("format", "is required: csv or markdown")
	}
	s.audit(r, "kb.import", "kb_article", 0, map[string]any{"format": format, "created": rep.Created, "updated": rep.Updated, "errors": len(rep.Errors)})
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) kbExport(w http.ResponseWriter, r *http.Request) error {
	format, err := queryEnum(r, "format", "csv", "markdown")
	if err != nil {
		return err
	}
	f, err := s.kbFilter(r)
	if err != nil {
		return err
	}
	if format == "markdown" {
		files, err := s.Services.KB.ExportMarkdown(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, kbMarkdownImport{Files: files})
		return nil
	}
	var buf bytes.Buffer
	if err := s.Services.KB.ExportCSV(r.Context(), &buf, f); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="kb.csv"`)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) kbRecords(w http.ResponseWriter, r *http.Request) error {
	var q recordsearch.Query
	var err error
	q.Text = strings.ReplaceAll(strings.ToValidUTF8(r.URL.Query().Get("q"), "\uFFFD"), "\x00", " ")
	if q.CustomerID, err = queryID(r, "customer_id"); err != nil {
		return err
	}
	if q.ConversationID, err = queryID(r, "conversation_id"); err != nil {
		return err
	}
	if q.Before, err = queryID(r, "before"); err != nil {
		return err
	}
	if q.Kind, err = queryEnum(r, "kind", recordsearch.Kinds...); err != nil {
		return err
	}
	if q.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if q.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	if q.OrderNumber, err = queryText(r, "order", 64); err != nil {
		return err
	}
	if q.Phone, err = queryText(r, "phone", 32); err != nil {
		return err
	}
	if q.Limit, err = queryInt(r, "limit", 1, 100, 20); err != nil {
		return err
	}
	page, err := s.Services.KB.SearchRecords(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}
