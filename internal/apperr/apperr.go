// Package apperr carries errors that reach users: a stable machine code, a human message,
// the offending field (if any) and the HTTP status that fits. Domain packages return these
// so that handlers stay thin and never have to guess a status from an error string.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a user-facing error with a stable code.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	cause   error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s (%s): %s", e.Code, e.Field, e.Message)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// Wrap keeps an underlying cause for logs without exposing it to users.
func (e *Error) Wrap(cause error) *Error { c := *e; c.cause = cause; return &c }

// New builds an error with an explicit status.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Invalid reports a bad value in one field (400).
func Invalid(field, message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_field", Message: message, Field: field}
}

// BadRequest reports a malformed request as a whole (400).
func BadRequest(code, message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: message}
}

// NotFound reports a missing resource (404).
func NotFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

// Conflict reports a state conflict such as an invalid transition or a stale version (409).
func Conflict(code, message string) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Message: message}
}

// Forbidden reports a permission failure (403).
func Forbidden(message string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: message}
}

// Unauthorized reports missing or bad credentials (401).
func Unauthorized(message string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: message}
}

// As extracts an *Error from err, if there is one in its chain.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
