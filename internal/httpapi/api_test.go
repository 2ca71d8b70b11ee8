package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/commerce"
	"kefu/internal/crm"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

var pathParam = regexp.MustCompile(`\{[a-zA-Z_]+\}`)

// TestEveryRouteChecksCredentialsAndRoles walks the whole route table with no credentials and
// with each role: protected routes answer 401 without credentials, 403 for a role without the
// permission, and neither (nor a 5xx) for a role with it.
func TestEveryRouteChecksCredentialsAndRoles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		routes := env.App.Server.AllRoutes()
		if len(routes) < 20 {
			t.Fatalf("only %d routes registered", len(routes))
		}
		for _, rt := range routes {
			if rt.Path == "/api/v1/auth/logout" {
				continue // would end the session the rest of the walk uses; tested on its own
			}
			path := pathParam.ReplaceAllString(rt.Path, "999999")
			var body any
			if rt.Method != "GET" && rt.Method != "DELETE" {
				body = "{}"
			}
			status, raw := env.Do(t, "", rt.Method, path, body)
			if rt.Public {
				if status >= 500 {
					t.Errorf("%s %s public: %d %s", rt.Method, rt.Path, status, raw)
				}
			} else if status != http.StatusUnauthorized || apptest.ErrorCode(raw) != "unauthorized" {
				t.Errorf("%s %s without credentials: %d %s, want 401 unauthorized", rt.Method, rt.Path, status, raw)
			}
			for _, role := range auth.Roles {
				status, raw := env.Do(t, role, rt.Method, path, body)
				if rt.Public {
					// Public routes authenticate in their own way (the widget's visitor token), so
					// staff credentials grant nothing there: only a clean answer is required.
					if status >= 500 || (status == http.StatusUnauthorized && apptest.ErrorCode(raw) != "unauthorized") {
						t.Errorf("%s %s as %s: %d %s", rt.Method, rt.Path, role, status, raw)
					}
					continue
				}
				allowed := rt.Perm == "" || auth.Can(role, rt.Perm)
				switch {
				case status >= 500:
					t.Errorf("%s %s as %s: %d %s", rt.Method, rt.Path, role, status, raw)
				case !allowed && status != http.StatusForbidden:
					t.Errorf("%s %s as %s: %d, want 403 (needs %s)", rt.Method, rt.Path, role, status, rt.Perm)
				case allowed && (status == http.StatusForbidden || status == http.StatusUnauthorized):
					t.Errorf("%s %s as %s: %d %s, want access", rt.Method, rt.Path, role, status, raw)
				}
			}
		}
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/auth/logout", nil, http.StatusNoContent, nil)
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/auth/me", nil, http.StatusUnauthorized, nil)
	})
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	env := apptest.Start(t, storetest.OpenSQLite(t))
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	env.JSON(t, "", "GET", "/api/v1/openapi.json", nil, 200, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	n := 0
	for _, rt := range env.App.Server.AllRoutes() {
		op, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
		if !ok {
			t.Errorf("%s %s is not documented", rt.Method, rt.Path)
			continue
		}
		if !strings.Contains(string(op), `"summary":"`) || strings.Contains(string(op), `"summary":""`) {
			t.Errorf("%s %s has no summary", rt.Method, rt.Path)
		}
		n++
	}
	documented := 0
	for _, ops := range doc.Paths {
		documented += len(ops)
	}
	if documented != n {
		t.Errorf("document has %d operations, route table %d", documented, n)
	}
}

func TestCookieSessionNeedsCSRFToken(t *testing.T) {
	env := apptest.Start(t, storetest.OpenSQLite(t))
	resp, err := http.Post(env.Server.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"admin@test.kefu","password":"`+apptest.Password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		CSRFToken string `json:"csrf_token"`
	}
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "kefu_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || login.CSRFToken == "" {
		t.Fatalf("login cookie %+v csrf %q", cookie, login.CSRFToken)
	}
	send := func(method, csrf string) int {
		req, _ := http.NewRequest(method, env.Server.URL+"/api/v1/customers", strings.NewReader(`{"name":"CSRF test"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(cookie)
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := send("GET", ""); got != 200 {
		t.Errorf("cookie GET = %d, want 200", got)
	}
	if got := send("POST", ""); got != 403 {
		t.Errorf("cookie POST without CSRF token = %d, want 403", got)
	}
	if got := send("POST", "forged"); got != 403 {
		t.Errorf("cookie POST with a wrong CSRF token = %d, want 403", got)
	}
	if got := send("POST", login.CSRFToken); got != 201 {
		t.Errorf("cookie POST with the CSRF token = %d, want 201", got)
	}
}

func TestBadRequestsGetStableCodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		big := `{"name":"` + strings.Repeat("a", 2<<20) + `"}`
		cases := []struct {
			method, path string
			body         any
			status       int
			code         string
		}{
			{"POST", "/api/v1/customers", `{"name":`, 400, "malformed_json"},
			{"POST", "/api/v1/customers", `not json`, 400, "malformed_json"},
			{"POST", "/api/v1/customers", `[1,2]`, 400, "malformed_json"},
			{"POST", "/api/v1/customers", `{"name":"a"} {"name":"b"}`, 400, "malformed_json"},
			{"POST", "/api/v1/customers", ``, 400, "empty_body"},
			{"POST", "/api/v1/customers", `{"nmae":"typo"}`, 400, "unknown_field"},
			{"POST", "/api/v1/customers", `{"name":42}`, 400, "invalid_field"},
			{"POST", "/api/v1/customers", `{"tier":"diamond"}`, 400, "invalid_field"},
			{"POST", "/api/v1/customers", `{"phone":"12345"}`, 400, "invalid_field"},
			{"POST", "/api/v1/customers", `{"name":"a\u0000b"}`, 400, "invalid_field"},
			{"POST", "/api/v1/customers", big, 413, "body_too_large"},
			{"GET", "/api/v1/customers/abc", nil, 400, "invalid_id"},
			{"GET", "/api/v1/customers/-1", nil, 400, "invalid_id"},
			{"GET", "/api/v1/customers/99999999999999999999", nil, 400, "invalid_id"},
			{"GET", "/api/v1/customers/424242", nil, 404, "not_found"},
			{"GET", "/api/v1/customers?limit=0", nil, 400, "invalid_field"},
			{"GET", "/api/v1/customers?limit=x", nil, 400, "invalid_field"},
			{"GET", "/api/v1/customers?sort=password", nil, 400, "invalid_field"},
			{"GET", "/api/v1/customers?tier=gold%27--", nil, 400, "invalid_field"},
			{"GET", "/api/v1/orders?placed_from=yesterday", nil, 400, "invalid_field"},
			{"GET", "/api/v1/orders?customer_id=1%20OR%201=1", nil, 400, "invalid_field"},
			{"PUT", "/api/v1/customers", `{}`, 405, "method_not_allowed"},
			{"GET", "/api/v1/no-such-thing", nil, 404, "route_not_found"},
			{"POST", "/api/v1/auth/login", `{"email":"admin@test.kefu","password":"wrong"}`, 401, "invalid_credentials"},
			// The console's admin endpoints (teams, users, tokens, NLU examples, widget settings).
			{"PATCH", "/api/v1/users/abc", `{}`, 400, "invalid_id"},
			{"PATCH", "/api/v1/users/1", `{"disabled":"yes"}`, 400, "invalid_field"},
			{"PUT", "/api/v1/teams/1", `{"name":"x","members":[{"user_id":"7"}]}`, 400, "invalid_field"},
			{"DELETE", "/api/v1/api-tokens/0", nil, 400, "invalid_id"},
			{"GET", "/api/v1/nlu/examples?intent=order_status&limit=500", nil, 400, "invalid_field"},
			{"PUT", "/api/v1/settings/widget", `{"color":"#12345g"}`, 400, "invalid_field"},
		}
		for _, c := range cases {
			status, raw := env.Do(t, auth.RoleAdmin, c.method, c.path, c.body)
			if status != c.status || apptest.ErrorCode(raw) != c.code {
				t.Errorf("%s %s %.40v: %d %s, want %d %s", c.method, c.path, c.body, status, raw, c.status, c.code)
			}
		}
		// A request with a non-JSON content type is refused before it is read.
		req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/customers", strings.NewReader("name=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+env.Tokens[auth.RoleAdmin])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 415 {
			t.Errorf("form POST = %d, want 415", resp.StatusCode)
		}
		// An order whose last item is bad leaves no order, no items and no shipment behind.
		var cust crm.Customer
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{"name": "半途"}, 201, &cust)
		bad := map[string]any{"number": "KF20261101999", "customer_id": cust.ID, "status": "shipped",
			"items":     []map[string]any{{"sku": "A-1", "title": "ok", "qty": 1, "unit_price_cents": 100}, {"sku": "A-2", "title": "bad", "qty": 0, "unit_price_cents": 100}},
			"shipments": []map[string]any{{"carrier": "SF", "tracking_number": "SF1"}}}
		status, raw := env.Do(t, auth.RoleAdmin, "POST", "/api/v1/orders", bad)
		if status != 400 {
			t.Fatalf("bad order: %d %s", status, raw)
		}
		bad["items"] = []map[string]any{{"sku": "A-1", "title": "ok", "qty": 1, "unit_price_cents": 100}}
		bad["shipments"] = []map[string]any{{"carrier": "SF", "tracking_number": "SF 1 bad"}}
		if status, raw := env.Do(t, auth.RoleAdmin, "POST", "/api/v1/orders", bad); status != 400 {
			t.Fatalf("bad shipment: %d %s", status, raw)
		}
		for _, table := range []string{"orders", "order_items", "shipments"} {
			var n int
			db.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n)
			if n != 0 {
				t.Errorf("%s has %d rows after rejected orders", table, n)
			}
		}
	})
}

// hostileStrings returns the Big List of Naughty Strings, or skips when the shared data is absent.
func hostileStrings(t *testing.T) []string {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (%v); set KEFU_EVAL_DATA", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// TestHostileStringsInEveryTextField sends every naughty string through every text field of
// the write endpoints and as every free-text filter: always a 2xx or a 4xx with a code, and
// what is accepted is stored and returned exactly.
func TestHostileStringsInEveryTextField(t *testing.T) {
	lines := hostileStrings(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		var cust crm.Customer
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{"name": "owner"}, 201, &cust)
		check := func(what string, status int, raw []byte) {
			if status >= 500 || (status >= 400 && apptest.ErrorCode(raw) == "") {
				t.Errorf("%s: %d %s", what, status, raw)
			}
		}
		for i, s := range lines {
			status, raw := env.Do(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{
				"name": s, "tags": []string{s}, "addresses": []map[string]any{{"recipient": s, "line": s, "city": s}}})
			check("customer "+s, status, raw)
			if status == 201 {
				var got crm.Customer
				json.Unmarshal(raw, &got)
				if got.Name != strings.TrimSpace(s) || len(got.Addresses) != 1 || got.Addresses[0].Line != strings.TrimSpace(s) {
					t.Errorf("customer text changed in storage: %q -> %q", s, got.Name)
				}
			}
			if i%4 == 0 { // products and orders take longer; a quarter of the list still covers every kind of string
				status, raw = env.Do(t, auth.RoleAdmin, "POST", "/api/v1/products", map[string]any{
					"sku": "H-" + itoa(i), "title_zh": s, "title_en": s, "description_zh": s, "brand": s, "tags": []string{s}, "attributes": map[string]string{"k": s}})
				check("product "+s, status, raw)
				status, raw = env.Do(t, auth.RoleAdmin, "POST", "/api/v1/orders", map[string]any{
					"number": "KF20261101" + pad(i), "customer_id": cust.ID, "status": "paid", "note": s, "coupon_code": s,
					"ship_to": map[string]any{"recipient": s, "line": s}, "items": []map[string]any{{"sku": "X-1", "title": s, "qty": 1, "unit_price_cents": 1}}})
				check("order "+s, status, raw)
			}
			q := "?q=" + urlQuery(s)
			for _, path := range []string{"/api/v1/products" + q, "/api/v1/customers?name=" + urlQuery(s), "/api/v1/customers?phone=" + urlQuery(s), "/api/v1/orders?number=" + urlQuery(s)} {
				status, raw := env.Do(t, auth.RoleAgent, "GET", path, nil)
				check("GET "+path, status, raw)
			}
		}
	})
}

func TestCustomersOrdersAndPrivacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		var c crm.Customer
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{
			"name": "王芳", "phone": "+86 138 0013 8000", "email": "Wang.Fang@example.com", "tier": "vip",
			"addresses": []map[string]any{{"recipient": "王芳", "phone": "13800138000", "line": "文三路90号", "province": "浙江", "city": "杭州"}}}, 201, &c)
		if c.Phone != "+86****8000" && c.Phone != "+86 ****8000" && !strings.Contains(c.Phone, "****") {
			t.Errorf("phone not masked: %q", c.Phone)
		}
		if c.Email != "W***@example.com" {
			t.Errorf("email not masked: %q", c.Email)
		}
		// Lookup by phone in another format goes through the keyed hash.
		var list struct {
			Items []crm.Customer `json:"items"`
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/customers?phone=13800138000", nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].ID != c.ID {
			t.Fatalf("phone lookup found %+v", list.Items)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/customers?email=wang.fang@EXAMPLE.com", nil, 200, &list)
		if len(list.Items) != 1 {
			t.Fatalf("email lookup found %d", len(list.Items))
		}
		var other crm.Customer
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{"name": "Li Lei", "lang": "en"}, 201, &other)
		for i, num := range []string{"KF20261101001", "KF20261102002"} {
			env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/orders", map[string]any{
				"number": num, "customer_id": c.ID, "status": "shipped", "shipping_cents": 800, "discount_cents": 500,
				"ship_to": map[string]any{"recipient": "王芳", "phone": "13800138000", "line": "文三路90号", "province": "浙江", "city": "杭州"},
				"items":   []map[string]any{{"sku": "TS-001", "title": "纯棉T恤", "qty": 2, "unit_price_cents": 9900}},
				"shipments": []map[string]any{{"carrier": "SF", "carrier_name": "顺丰速运", "tracking_number": "SF123456789" + itoa(i), "status": "in_transit",
					"events": []map[string]any{{"at": "2026-11-02T08:00:00Z", "status": "picked_up", "location": "杭州"}, {"at": "2026-11-03T08:00:00Z", "status": "in_transit", "location": "上海"}}}},
			}, 201, nil)
		}
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/orders", map[string]any{"number": "KF20261103003", "customer_id": other.ID, "status": "paid",
			"items": []map[string]any{{"sku": "X", "title": "x", "qty": 1, "unit_price_cents": 100}}}, 201, nil)
		status, raw := env.Do(t, auth.RoleAdmin, "POST", "/api/v1/orders", map[string]any{"number": "KF20261103003", "customer_id": other.ID, "status": "paid",
			"items": []map[string]any{{"sku": "X", "title": "x", "qty": 1, "unit_price_cents": 100}}})
		if status != 409 || apptest.ErrorCode(raw) != "order_number_taken" {
			t.Errorf("duplicate order number: %d %s", status, raw)
		}
		var orders struct {
			Items   []commerce.Order `json:"items"`
			HasMore bool             `json:"has_more"`
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/orders?customer_id="+itoa(int(c.ID))+"&sort=placed_at&limit=1", nil, 200, &orders)
		if len(orders.Items) != 1 || !orders.HasMore || orders.Items[0].CustomerID != c.ID {
			t.Fatalf("first page: %+v", orders)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/orders?customer_id="+itoa(int(c.ID))+"&limit=1&offset=1", nil, 200, &orders)
		if len(orders.Items) != 1 || orders.HasMore {
			t.Fatalf("second page: %+v", orders)
		}
		var o commerce.Order
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/orders/"+itoa(int(orders.Items[0].ID)), nil, 200, &o)
		if o.TotalCents != 2*9900+800-500 || len(o.Items) != 1 || len(o.Shipments) != 1 || len(o.Shipments[0].Events) != 2 {
			t.Fatalf("order detail: %+v", o)
		}
		if o.ShipTo.Phone != "138****8000" || o.ShipTo.Line != "文三路90号" {
			t.Errorf("ship_to: %+v", o.ShipTo)
		}
		var view crm.View360
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/customers/"+itoa(int(c.ID))+"/360", nil, 200, &view)
		if view.Customer.ID != c.ID || len(view.Orders) != 2 || view.OrderStats.Count != 2 || view.OrderStats.SpentCents != 2*(2*9900+800-500) ||
			len(view.Orders[0].Shipments) != 1 || view.Tickets == nil || view.SentimentTrend == nil {
			t.Errorf("360 view: %+v", view)
		}
		// Revealing contact details is allowed to supervisors and audited; agents cannot.
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/customers/"+itoa(int(c.ID))+"/reveal", nil, 403, nil)
		var contact crm.Contact
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/customers/"+itoa(int(c.ID))+"/reveal", nil, 200, &contact)
		if contact.Phone != "+86 138 0013 8000" || contact.Email != "Wang.Fang@example.com" {
			t.Errorf("reveal: %+v", contact)
		}
		// Erasure removes personal data but keeps the order for the books.
		env.JSON(t, auth.RoleSupervisor, "DELETE", "/api/v1/customers/"+itoa(int(c.ID)), nil, 403, nil)
		env.JSON(t, auth.RoleAdmin, "DELETE", "/api/v1/customers/"+itoa(int(c.ID)), nil, 204, nil)
		var erased crm.Customer
		env.JSON(t, auth.RoleAdmin, "GET", "/api/v1/customers/"+itoa(int(c.ID)), nil, 200, &erased)
		if c = erased; c.Name != "" || c.Phone != "" || c.Email != "" || len(c.Addresses) != 0 || c.ErasedAt == nil {
			t.Errorf("after erase: %+v", c)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/customers?phone=13800138000", nil, 200, &list)
		if len(list.Items) != 0 {
			t.Errorf("erased customer still found by phone")
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/orders/"+itoa(int(o.ID)), nil, 200, &o)
		if o.ShipTo.Recipient != "" || o.ShipTo.Line != "" || o.TotalCents == 0 {
			t.Errorf("order after erase: %+v", o.ShipTo)
		}
		var audits int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action IN ('customer.reveal', 'customer.erase') AND entity_id = ?`, c.ID).Scan(&audits)
		if audits != 2 {
			t.Errorf("audit rows for reveal+erase = %d, want 2", audits)
		}
	})
}

func itoa(i int) string        { return strconv.Itoa(i) }
func pad(i int) string         { return fmt.Sprintf("%04d", i) }
func urlQuery(s string) string { return url.QueryEscape(s) }

func TestWidgetCORSOnlyOnWidgetEndpoints(t *testing.T) {
	env := apptest.Start(t, storetest.OpenSQLite(t))
	req, _ := http.NewRequest("OPTIONS", env.Server.URL+"/api/v1/widget/session", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Visitor-Token") {
		t.Fatalf("widget preflight: %d %v", resp.StatusCode, resp.Header)
	}
	req, _ = http.NewRequest("OPTIONS", env.Server.URL+"/api/v1/customers", nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("staff endpoint allowed a cross-origin caller: %v", resp.Header)
	}
}
