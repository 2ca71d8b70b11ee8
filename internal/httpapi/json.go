package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// errorBody is the one error shape every API error has: {"error":{"code","message","field"}}.
type errorBody struct {
	Error *apperr.Error `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// writeError turns any error into the JSON error shape. Errors that are not *apperr.Error are
// bugs or infrastructure failures: they are logged in full and shown to users as a generic 500.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e, ok := apperr.As(err)
	if !ok {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = apperr.New(http.StatusInternalServerError, "internal", "something went wrong on our side; it has been logged")
	}
	writeJSON(w, e.Status, errorBody{e})
}

// decodeJSON reads exactly one JSON object into dst, rejecting unknown fields, wrong types,
// trailing data and bodies over the configured limit, each with its own stable code.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	body := http.MaxBytesReader(w, r.Body, s.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return jsonError(err)
			}
		}
		return apperr.BadRequest("malformed_json", "the body must hold a single JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF):
		return apperr.BadRequest("empty_body", "the request body is empty; send a JSON object")
	case errors.As(err, &mbe):
		return apperr.New(http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &syn):
		return apperr.BadRequest("malformed_json", fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.BadRequest("malformed_json", "the body must be a JSON object")
		}
		return apperr.Invalid(field, fmt.Sprintf("must be of type %s", jsonType(typ.Type.String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Status: http.StatusBadRequest, Code: "unknown_field", Message: "unknown field " + strconv.Quote(f), Field: f}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.BadRequest("malformed_json", "the body ends in the middle of a JSON value")
	}
	return apperr.BadRequest("malformed_json", "the body is not valid JSON")
}

func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "int"), strings.Contains(goType, "float"):
		return "number"
	case goType == "string":
		return "string"
	case goType == "bool":
		return "boolean"
	case strings.HasPrefix(goType, "[]"):
		return "array"
	}
	return "object"
}

// pathID parses a positive integer path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, &apperr.Error{Status: http.StatusBadRequest, Code: "invalid_id", Message: fmt.Sprintf("%s must be a positive whole number", name), Field: name}
	}
	return id, nil
}

// queryID parses an optional positive integer query parameter (0 when absent).
func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.Invalid(name, "must be a positive whole number")
	}
	return id, nil
}

// queryEnum returns an optional query parameter that must be one of allowed.
func queryEnum(r *http.Request, name string, allowed ...string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", apperr.Invalid(name, "must be one of "+strings.Join(allowed, ", "))
}

// queryText returns an optional free-text query parameter, bounded and valid UTF-8.
func queryText(r *http.Request, name string, max int) (string, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return "", apperr.Invalid(name, "must be valid UTF-8 text")
	}
	if utf8.RuneCountInString(v) > max {
		return "", apperr.Invalid(name, fmt.Sprintf("must be at most %d characters", max))
	}
	return v, nil
}

// parsePage reads limit, offset and sort (a field, "-field" for descending) against an
// allow-list mapping API field names to columns.
func parsePage(r *http.Request, sorts map[string]string, defaultSort string) (store.Page, error) {
	q := r.URL.Query()
	p := store.Page{Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return p, apperr.Invalid("limit", "must be a whole number from 1 to 200")
		}
		p.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return p, apperr.Invalid("offset", "must be a whole number from 0 to 1000000")
		}
		p.Offset = n
	}
	sort := q.Get("sort")
	if sort == "" {
		sort = defaultSort
	}
	if strings.HasPrefix(sort, "-") {
		p.Desc = true
		sort = sort[1:]
	}
	col, ok := sorts[sort]
	if !ok {
		names := make([]string, 0, len(sorts))
		for k := range sorts {
			names = append(names, k)
		}
		return p, apperr.Invalid("sort", "must be one of "+strings.Join(sortedStrings(names), ", ")+" (prefix - for descending)")
	}
	p.Sort = col
	return p, nil
}

// listResponse is the envelope of every list endpoint.
type listResponse[T any] struct {
	Items   []T  `json:"items"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
	HasMore bool `json:"has_more"`
}

// pageOf trims the extra row a Page query fetched and fills the envelope.
func pageOf[T any](items []T, p store.Page) listResponse[T] {
	more := len(items) > p.Limit
	if more {
		items = items[:p.Limit]
	}
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items, Limit: p.Limit, Offset: p.Offset, HasMore: more}
}
