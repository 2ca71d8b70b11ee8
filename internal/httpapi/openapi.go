package httpapi

import (
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The OpenAPI document is generated from the route table, so it cannot drift from the routes:
// every registered endpoint appears with its permission, parameters and body schemas.

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)\}`)

// OpenAPI builds the OpenAPI 3.0 document.
func (s *Server) OpenAPI() map[string]any {
	paths := map[string]map[string]any{}
	schemas := map[string]any{}
	for _, rt := range s.AllRoutes() {
		op := map[string]any{
			"summary":     rt.Summary,
			"tags":        []string{rt.Tag},
			"operationId": operationID(rt),
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "integer", "minimum": 1}})
		}
		for _, q := range rt.Query {
			sc := map[string]any{"type": q.Type}
			if len(q.Enum) > 0 {
				sc["enum"] = q.Enum
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": sc})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Body), schemas)}}}
		}
		status := rt.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := map[string]any{"description": http.StatusText(status)}
		if rt.Response != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(rt.Response), schemas)}}
		}
		responses := map[string]any{strconv.Itoa(status): ok, "default": map[string]any{"$ref": "#/components/responses/Error"}}
		op["responses"] = responses
		if rt.Public {
			op["security"] = []any{}
		} else if rt.Perm != "" {
			op["x-permission"] = string(rt.Perm)
		}
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	schemas["Error"] = map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "object", "properties": map[string]any{
		"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}, "field": map[string]any{"type": "string"}}}}}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "kefu API", "version": s.Version, "description": "kefu (客服): customer service and after-sales. Errors are {\"error\":{\"code\",\"message\",\"field\"}} with stable codes."},
		"paths":   paths,
		"components": map[string]any{
			"schemas":   schemas,
			"responses": map[string]any{"Error": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}},
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": sessionCookie},
			},
		},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"cookie": []string{}}},
	}
}

func operationID(rt Route) string {
	p := strings.NewReplacer("/api/v1/", "", "/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path)
	return strings.ToLower(rt.Method) + "_" + strings.Trim(p, "_")
}

var timeType = reflect.TypeOf(time.Time{})

// schemaOf describes a Go type as a JSON schema, registering named structs as components.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var sc map[string]any
	switch {
	case t == timeType:
		sc = map[string]any{"type": "string", "format": "date-time"}
	case t.Kind() == reflect.String:
		sc = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		sc = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		sc = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		sc = map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		sc = map[string]any{"type": "string", "format": "byte"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		sc = map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Map:
		sc = map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case t.Kind() == reflect.Struct:
		name := componentName(t)
		if _, done := schemas[name]; !done {
			schemas[name] = map[string]any{} // placeholder breaks recursion
			props := map[string]any{}
			structProps(t, props, schemas)
			schemas[name] = map[string]any{"type": "object", "properties": props}
		}
		sc = map[string]any{"$ref": "#/components/schemas/" + name}
	default:
		sc = map[string]any{}
	}
	if nullable && sc["$ref"] == nil {
		sc["nullable"] = true
	}
	return sc
}

func structProps(t reflect.Type, props map[string]any, schemas map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			structProps(f.Type, props, schemas)
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, schemas)
	}
}

func componentName(t reflect.Type) string {
	name := t.Name()
	if i := strings.Index(name, "["); i >= 0 { // generic list envelopes
		inner := name[i+1 : len(name)-1]
		if j := strings.LastIndex(inner, "."); j >= 0 {
			inner = inner[j+1:]
		}
		name = name[:i] + "_" + inner
	}
	pkg := t.PkgPath()
	if j := strings.LastIndex(pkg, "/"); j >= 0 {
		pkg = pkg[j+1:]
	}
	if pkg != "httpapi" && pkg != "" {
		name = pkg + "." + name
	}
	return name
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.OpenAPI())
	return nil
}
