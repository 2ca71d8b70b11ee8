package store

import (
	"strings"
)

// Where builds a WHERE clause from optional filters, keeping values as bound arguments.
type Where struct {
	clauses []string
	args    []any
}

// Add appends a clause with its `?` arguments.
func (w *Where) Add(clause string, args ...any) *Where {
	w.clauses = append(w.clauses, clause)
	w.args = append(w.args, args...)
	return w
}

// In appends `col IN (?, ?, …)`; an empty list matches nothing.
func (w *Where) In(col string, values []string) *Where {
	if len(values) == 0 {
		return w.Add("1 = 0")
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return w.Add(col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")+")", args...)
}

// SQL returns " WHERE a AND b", or "" when there are no filters.
func (w *Where) SQL() string {
	if len(w.clauses) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.clauses, " AND ")
}

// Args returns the bound arguments in order.
func (w *Where) Args() []any { return w.args }

// Page is a validated sort and window for list queries.
type Page struct {
	Limit  int
	Offset int
	Sort   string // a column name, already checked against the caller's allow-list
	Desc   bool
}

// SQL returns " ORDER BY col [DESC], id [DESC] LIMIT n+1 OFFSET m": one extra row tells the
// caller whether there is a next page without a COUNT over the whole table.
func (p Page) SQL() string {
	dir := " ASC"
	if p.Desc {
		dir = " DESC"
	}
	order := " ORDER BY " + p.Sort + dir
	// A unique tie-breaker keeps pages stable; it takes the sort column's table alias ("p.id")
	// so joined queries stay unambiguous.
	idCol := "id"
	if i := strings.LastIndex(p.Sort, "."); i >= 0 {
		idCol = p.Sort[:i+1] + "id"
	}
	if p.Sort != idCol {
		order += ", " + idCol + dir
	}
	return order + " LIMIT " + itoa(p.Limit+1) + " OFFSET " + itoa(p.Offset)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// EscapeLike escapes LIKE wildcards so user text matches literally (use with ESCAPE '\').
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
