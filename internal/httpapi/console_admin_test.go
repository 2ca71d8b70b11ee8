package httpapi_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/ticket"
)

func wantError(t *testing.T, env *apptest.Env, role auth.Role, method, path string, body any, status int, code string) {
	t.Helper()
	got, raw := env.Do(t, role, method, path, body)
	if got != status || apptest.ErrorCode(raw) != code {
		t.Errorf("%s %s as %s: %d %s, want %d %s", method, path, role, got, raw, status, code)
	}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// Teams are created, edited and deleted by admins through the API; supervisors and agents see
// them but cannot change them; bad input names its field.
func TestTeamsWriteAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		agent := env.Users[auth.RoleAgent]
		body := map[string]any{"name": "退货组", "name_en": "Returns", "languages": []string{"zh"}, "categories": []string{"return", "refund"},
			"tiers": []string{}, "serves_vip": false, "assignment": "least_loaded", "members": []map[string]any{{"user_id": agent.ID, "capacity": 6}}}
		wantError(t, env, auth.RoleSupervisor, "POST", "/api/v1/teams", body, 403, "forbidden")
		var team ticket.Team
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/teams", body, 201, &team)
		if team.ID == 0 || team.Assignment != ticket.LeastLoaded || len(team.Members) != 1 || team.Members[0].Capacity != 6 || len(team.Categories) != 2 {
			t.Fatalf("created: %+v", team)
		}
		wantError(t, env, auth.RoleAdmin, "POST", "/api/v1/teams", body, 409, "team_name_taken")
		bad := map[string]any{"name": "x", "assignment": "random"}
		wantError(t, env, auth.RoleAdmin, "PUT", "/api/v1/teams/"+id(team.ID), bad, 400, "invalid_field")
		bad = map[string]any{"name": "x", "members": []map[string]any{{"user_id": 424242}}}
		wantError(t, env, auth.RoleAdmin, "PUT", "/api/v1/teams/"+id(team.ID), bad, 400, "invalid_field")
		wantError(t, env, auth.RoleAdmin, "PUT", "/api/v1/teams/"+id(team.ID), map[string]any{"name": "x", "colour": "red"}, 400, "unknown_field")

		body["assignment"], body["serves_vip"] = "skills_match", true
		env.JSON(t, auth.RoleAdmin, "PUT", "/api/v1/teams/"+id(team.ID), body, 200, &team)
		var list struct{ Items []ticket.Team }
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/teams", nil, 200, &list)
		if len(list.Items) != 1 || list.Items[0].Assignment != ticket.SkillsMatch || !list.Items[0].ServesVIP {
			t.Fatalf("listed: %+v", list.Items)
		}
		env.JSON(t, auth.RoleAdmin, "DELETE", "/api/v1/teams/"+id(team.ID), nil, 204, nil)
		wantError(t, env, auth.RoleAdmin, "DELETE", "/api/v1/teams/"+id(team.ID), nil, 404, "not_found")
		var audits int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE entity = 'team' AND entity_id = ?`, team.ID).Scan(&audits)
		if audits != 3 {
			t.Errorf("team audit rows = %d, want 3 (create, update, delete)", audits)
		}
	})
}

// An admin changes roles, disables and re-enables users and resets passwords; the last admin
// is protected; a disabled user's token stops working on the next request.
func TestUserAdminAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		admin, agent := env.Users[auth.RoleAdmin], env.Users[auth.RoleAgent]
		wantError(t, env, auth.RoleSupervisor, "PATCH", "/api/v1/users/"+id(agent.ID), map[string]any{"role": "admin"}, 403, "forbidden")
		wantError(t, env, auth.RoleAdmin, "PATCH", "/api/v1/users/"+id(admin.ID), map[string]any{"role": "agent"}, 409, "last_admin")
		wantError(t, env, auth.RoleAdmin, "PATCH", "/api/v1/users/"+id(admin.ID), map[string]any{"disabled": true}, 409, "cannot_disable_self")
		wantError(t, env, auth.RoleAdmin, "PATCH", "/api/v1/users/"+id(agent.ID), map[string]any{"role": "root"}, 400, "invalid_field")
		wantError(t, env, auth.RoleAdmin, "PATCH", "/api/v1/users/424242", map[string]any{"name": "x"}, 404, "not_found")

		var u auth.User
		env.JSON(t, auth.RoleAdmin, "PATCH", "/api/v1/users/"+id(agent.ID), map[string]any{"role": "supervisor", "name": "Promoted"}, 200, &u)
		if u.Role != auth.RoleSupervisor || u.Name != "Promoted" {
			t.Fatalf("after role change: %+v", u)
		}
		// The new role applies to the user's very next request.
		var me struct {
			User        auth.User         `json:"user"`
			Permissions []auth.Permission `json:"permissions"`
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/auth/me", nil, 200, &me)
		if me.User.Role != auth.RoleSupervisor {
			t.Errorf("me after promotion: %s", me.User.Role)
		}
		env.JSON(t, auth.RoleAdmin, "PATCH", "/api/v1/users/"+id(agent.ID), map[string]any{"disabled": true}, 200, &u)
		wantError(t, env, auth.RoleAgent, "GET", "/api/v1/auth/me", nil, 401, "unauthorized")
		status, _ := env.Do(t, "", "POST", "/api/v1/auth/login", map[string]string{"email": agent.Email, "password": apptest.Password})
		if status != http.StatusUnauthorized {
			t.Errorf("disabled user signs in: %d", status)
		}
		env.JSON(t, auth.RoleAdmin, "PATCH", "/api/v1/users/"+id(agent.ID), map[string]any{"disabled": false}, 200, &u)

		wantError(t, env, auth.RoleAdmin, "POST", "/api/v1/users/"+id(agent.ID)+"/password", map[string]string{"password": "short"}, 400, "invalid_field")
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/users/"+id(agent.ID)+"/password", map[string]string{"password": "a-brand-new-pass"}, 204, nil)
		status, _ = env.Do(t, "", "POST", "/api/v1/auth/login", map[string]string{"email": agent.Email, "password": "a-brand-new-pass"})
		if status != 200 {
			t.Errorf("login with the reset password: %d", status)
		}
		// The admin resetting their own password keeps the session they did it from.
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/users/"+id(admin.ID)+"/password", map[string]string{"password": "admins-new-pass"}, 204, nil)
		env.JSON(t, auth.RoleAdmin, "GET", "/api/v1/auth/me", nil, 200, nil)

		var actions []string
		rows, err := db.Query(context.Background(), `SELECT action FROM audit_log WHERE entity = 'user' AND entity_id = ? AND action LIKE 'user.%' ORDER BY id`, agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a string
			rows.Scan(&a)
			actions = append(actions, a)
		}
		rows.Close()
		if got := strings.Join(actions, ","); got != "user.update,user.disable,user.enable,user.reset_password" {
			t.Errorf("audited user changes: %s", got)
		}
	})
}

// API tokens are listed without their secret and revoked ones stop working at once.
func TestAPITokenListAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		var issued struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		}
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/api-tokens", map[string]string{"name": "ERP"}, 201, &issued)
		call := func() int {
			req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/auth/me", nil)
			req.Header.Set("Authorization", "Bearer "+issued.Token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if got := call(); got != 200 {
			t.Fatalf("fresh token: %d", got)
		}
		wantError(t, env, auth.RoleSupervisor, "GET", "/api/v1/api-tokens", nil, 403, "forbidden")
		status, raw := env.Do(t, auth.RoleAdmin, "GET", "/api/v1/api-tokens", nil)
		if status != 200 || strings.Contains(string(raw), issued.Token) || !strings.Contains(string(raw), `"prefix":"`+issued.Token[:12]+`"`) ||
			!strings.Contains(string(raw), `"last_used_at"`) || !strings.Contains(string(raw), `"user_name":"Test admin"`) {
			t.Fatalf("token list: %d %s", status, raw)
		}
		env.JSON(t, auth.RoleAdmin, "DELETE", "/api/v1/api-tokens/"+id(issued.ID), nil, 204, nil)
		if got := call(); got != 401 {
			t.Errorf("revoked token: %d, want 401", got)
		}
		wantError(t, env, auth.RoleAdmin, "DELETE", "/api/v1/api-tokens/424242", nil, 404, "not_found")
	})
}

// The console's intent page: shipped examples with their total, the stored corrections, and
// deleting a wrong correction so it no longer trains the model.
func TestIntentExamplesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		var cust struct{ ID int64 }
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{"name": "Sam"}, 201, &cust)
		conv, err := env.App.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: cust.ID, Channel: "web", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		msg, _, err := env.App.Conversations.Post(ctx, conversation.NewMessage{ConversationID: conv.ID, SenderKind: "customer", Body: "my parcel never came"})
		if err != nil {
			t.Fatal(err)
		}
		var corr struct {
			ExampleID int64 `json:"example_id"`
		}
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/messages/"+id(msg.ID)+"/intent", map[string]string{"intent": "order_status"}, 200, &corr)
		var ex struct {
			Intent       string   `json:"intent"`
			Shipped      []string `json:"shipped"`
			ShippedTotal int      `json:"shipped_total"`
			Corrections  []struct {
				ID        int64  `json:"id"`
				Text      string `json:"text"`
				Lang      string `json:"lang"`
				MessageID *int64 `json:"message_id"`
			} `json:"corrections"`
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/nlu/examples?intent=order_status&limit=5", nil, 200, &ex)
		if ex.Intent != "order_status" || len(ex.Shipped) != 5 || ex.ShippedTotal <= 5 || len(ex.Corrections) != 1 ||
			ex.Corrections[0].ID != corr.ExampleID || ex.Corrections[0].Text != "my parcel never came" || ex.Corrections[0].MessageID == nil || *ex.Corrections[0].MessageID != msg.ID {
			t.Fatalf("examples: %+v", ex)
		}
		t.Logf("order_status: %d shipped examples", ex.ShippedTotal)
		wantError(t, env, auth.RoleAgent, "GET", "/api/v1/nlu/examples", nil, 400, "invalid_field")
		wantError(t, env, auth.RoleAgent, "GET", "/api/v1/nlu/examples?intent=make_coffee", nil, 400, "invalid_field")
		wantError(t, env, auth.RoleAgent, "GET", "/api/v1/nlu/examples?intent=order_status&limit=0", nil, 400, "invalid_field")
		wantError(t, env, auth.RoleAgent, "DELETE", "/api/v1/nlu/examples/"+id(corr.ExampleID), nil, 403, "forbidden")
		env.JSON(t, auth.RoleSupervisor, "DELETE", "/api/v1/nlu/examples/"+id(corr.ExampleID), nil, 204, nil)
		wantError(t, env, auth.RoleSupervisor, "DELETE", "/api/v1/nlu/examples/"+id(corr.ExampleID), nil, 404, "not_found")
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/nlu/examples?intent=order_status", nil, 200, &ex)
		if len(ex.Corrections) != 0 {
			t.Errorf("deleted correction still listed: %+v", ex.Corrections)
		}
		// Retraining reads the stored examples: the deleted one is gone from them.
		stored, err := env.App.Server.Services.NLU.Store.Examples(ctx, "intent")
		if err != nil || len(stored) != 0 {
			t.Errorf("training examples after delete: %v %v", stored, err)
		}
	})
}

// Admins save the widget's look; anyone (the widget on a shop's page) reads it, cross-origin.
func TestWidgetSettingsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		var got map[string]any
		env.JSON(t, "", "GET", "/api/v1/widget/settings", nil, 200, &got)
		if got["color"] != "" || got["updated_at"] != nil {
			t.Fatalf("unsaved settings: %v", got)
		}
		in := map[string]any{"color": "#E43", "title_zh": "小店客服", "title_en": "Shop help", "greeting_zh": "您好！", "greeting_en": "Hi!",
			"logo_url": "https://shop.example.com/logo.png", "quick_replies_zh": []string{"我的订单到哪了？", "我要退货"}, "quick_replies_en": []string{"Where is my order?"}, "position": "left"}
		wantError(t, env, auth.RoleSupervisor, "PUT", "/api/v1/settings/widget", in, 403, "forbidden")
		for field, v := range map[string]any{"color": "red", "logo_url": "javascript:alert(1)", "position": "top",
			"quick_replies_en": []string{"a|b"}, "greeting_en": strings.Repeat("x", 301), "title_zh": "a\nb"} {
			bad := map[string]any{}
			for k, x := range in {
				bad[k] = x
			}
			bad[field] = v
			status, raw := env.Do(t, auth.RoleAdmin, "PUT", "/api/v1/settings/widget", bad)
			if status != 400 || apptest.ErrorCode(raw) != "invalid_field" || !strings.Contains(string(raw), `"field":"`+field) {
				t.Errorf("bad %s: %d %s", field, status, raw)
			}
		}
		env.JSON(t, auth.RoleAdmin, "PUT", "/api/v1/settings/widget", in, 200, &got)
		if got["color"] != "#ee4433" {
			t.Errorf("colour not normalised: %v", got["color"])
		}
		req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/widget/settings", nil)
		req.Header.Set("Origin", "https://shop.example")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("public read: %d %v", resp.StatusCode, resp.Header)
		}
		env.JSON(t, "", "GET", "/api/v1/widget/settings", nil, 200, &got)
		if got["title_zh"] != "小店客服" || got["position"] != "left" || got["logo_url"] != "https://shop.example.com/logo.png" ||
			len(got["quick_replies_zh"].([]any)) != 2 || got["updated_at"] == nil {
			t.Errorf("read back: %v", got)
		}
	})
}
