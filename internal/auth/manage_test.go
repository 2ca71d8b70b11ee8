package auth_test

import (
	"context"
	"strings"
	"testing"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func code(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

func auditCount(t *testing.T, db *store.DB, action string, id int64) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity_id = ?`, action, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUpdateUserRolesAndLastAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := auth.NewService(db)
		boss, err := s.CreateUser(ctx, db, auth.NewUser{Email: "boss@shop.test", Name: "Boss", Password: "s3cret-pass", Role: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		ann, err := s.CreateUser(ctx, db, auth.NewUser{Email: "ann@shop.test", Name: "Ann", Password: "s3cret-pass", Role: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		actor := auth.Actor{UserID: boss.ID, IP: "127.0.0.1"}

		// The only admin can neither be demoted nor disabled, and cannot disable themself.
		if _, err := s.UpdateUser(ctx, actor, boss.ID, auth.UserChange{Role: ptr("supervisor")}); code(err) != "last_admin" {
			t.Fatalf("demote last admin: %v, want last_admin", err)
		}
		if _, err := s.UpdateUser(ctx, auth.Actor{UserID: ann.ID}, boss.ID, auth.UserChange{Disabled: ptr(true)}); code(err) != "last_admin" {
			t.Fatalf("disable last admin: %v, want last_admin", err)
		}
		if _, err := s.UpdateUser(ctx, actor, boss.ID, auth.UserChange{Disabled: ptr(true)}); code(err) != "cannot_disable_self" {
			t.Fatalf("disable self: %v, want cannot_disable_self", err)
		}
		// Bad values name their field and change nothing.
		for _, c := range []struct {
			change auth.UserChange
			field  string
		}{
			{auth.UserChange{Role: ptr("owner")}, "role"},
			{auth.UserChange{Name: ptr("  ")}, "name"},
			{auth.UserChange{Name: ptr(strings.Repeat("名", 101))}, "name"},
			{auth.UserChange{Lang: ptr("fr")}, "lang"},
			{auth.UserChange{Capacity: ptr(-1)}, "capacity"},
			{auth.UserChange{Capacity: ptr(auth.MaxCapacity + 1)}, "capacity"},
		} {
			_, err := s.UpdateUser(ctx, actor, ann.ID, c.change)
			if e, ok := apperr.As(err); !ok || e.Field != c.field || e.Status != 400 {
				t.Errorf("%+v: %v, want 400 on %s", c.change, err, c.field)
			}
		}
		if _, err := s.UpdateUser(ctx, actor, 424242, auth.UserChange{Name: ptr("x")}); code(err) != "not_found" {
			t.Errorf("unknown user: %v", err)
		}

		// Promote Ann: now Boss may step down, and the role change is audited with from/to.
		got, err := s.UpdateUser(ctx, actor, ann.ID, auth.UserChange{Role: ptr("admin"), Name: ptr("Ann Li"), Capacity: ptr(4)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Role != auth.RoleAdmin || got.Name != "Ann Li" || got.Capacity != 4 {
			t.Fatalf("after update: %+v", got)
		}
		var details string
		db.QueryRow(ctx, `SELECT details FROM audit_log WHERE action = 'user.update' AND entity_id = ?`, ann.ID).Scan(&details)
		if !strings.Contains(details, `"role":{"from":"agent","to":"admin"}`) {
			t.Errorf("audit details = %s", details)
		}
		if _, err := s.UpdateUser(ctx, actor, boss.ID, auth.UserChange{Role: ptr("supervisor")}); err != nil {
			t.Fatalf("demote one of two admins: %v", err)
		}
		// A change that changes nothing is not audited.
		before := auditCount(t, db, "user.update", ann.ID)
		if _, err := s.UpdateUser(ctx, actor, ann.ID, auth.UserChange{Name: ptr("Ann Li")}); err != nil {
			t.Fatal(err)
		}
		if after := auditCount(t, db, "user.update", ann.ID); after != before {
			t.Errorf("no-op update audited: %d -> %d", before, after)
		}
		if n, _ := s.CountAdmins(ctx); n != 1 {
			t.Errorf("admins = %d, want 1", n)
		}
	})
}

func TestDisableResetPasswordAndTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := auth.NewService(db)
		boss, _ := s.CreateUser(ctx, db, auth.NewUser{Email: "boss@shop.test", Name: "Boss", Password: "s3cret-pass", Role: "admin"})
		ann, _ := s.CreateUser(ctx, db, auth.NewUser{Email: "ann@shop.test", Name: "Ann", Password: "s3cret-pass", Role: "agent"})
		actor := auth.Actor{UserID: boss.ID, IP: "127.0.0.1"}
		session, _, err := s.Login(ctx, "ann@shop.test", "s3cret-pass", "")
		if err != nil {
			t.Fatal(err)
		}
		token, tokenID, err := s.CreateAPIToken(ctx, ann.ID, "erp sync")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Fatalf("fresh token: %v", err)
		}

		// Disabled: neither the session, the token nor the password works.
		if _, err := s.UpdateUser(ctx, actor, ann.ID, auth.UserChange{Disabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		for what, cred := range map[string]string{"session": session, "token": token} {
			if _, err := s.Authenticate(ctx, cred); code(err) != "unauthorized" {
				t.Errorf("%s of a disabled user: %v", what, err)
			}
		}
		if _, _, err := s.Login(ctx, "ann@shop.test", "s3cret-pass", ""); code(err) != "invalid_credentials" {
			t.Errorf("disabled login: %v", err)
		}
		if auditCount(t, db, "user.disable", ann.ID) != 1 {
			t.Error("disable not audited")
		}
		// Enabled again: the token works, the old session stays ended.
		if _, err := s.UpdateUser(ctx, actor, ann.ID, auth.UserChange{Disabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); err != nil {
			t.Errorf("token after re-enable: %v", err)
		}
		if _, err := s.Authenticate(ctx, session); err == nil {
			t.Error("a session from before the disable works again")
		}

		// Password reset: the new password works, the old one and other sessions do not.
		session, _, _ = s.Login(ctx, "ann@shop.test", "s3cret-pass", "")
		if err := s.ResetPassword(ctx, actor, ann.ID, "short"); code(err) != "invalid_field" {
			t.Errorf("short password: %v", err)
		}
		if err := s.ResetPassword(ctx, actor, 424242, "long-enough-pass"); code(err) != "not_found" {
			t.Errorf("unknown user: %v", err)
		}
		if err := s.ResetPassword(ctx, actor, ann.ID, "new-s3cret-pass"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, session); err == nil {
			t.Error("session survived a password reset")
		}
		if _, _, err := s.Login(ctx, "ann@shop.test", "s3cret-pass", ""); err == nil {
			t.Error("old password still works")
		}
		if _, _, err := s.Login(ctx, "ann@shop.test", "new-s3cret-pass", ""); err != nil {
			t.Errorf("new password: %v", err)
		}
		if auditCount(t, db, "user.reset_password", ann.ID) != 1 {
			t.Error("reset not audited")
		}

		// Tokens are listed without their secret and stop working when revoked.
		list, err := s.ListAPITokens(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("tokens: %+v %v", list, err)
		}
		tk := list[0]
		if tk.ID != tokenID || tk.Name != "erp sync" || tk.UserName != "Ann" || tk.Prefix != token[:12] || !strings.HasPrefix(tk.Prefix, "kft_") || tk.LastUsedAt == nil || tk.RevokedAt != nil {
			t.Errorf("listed token: %+v", tk)
		}
		if err := s.RevokeAPIToken(ctx, actor, tokenID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); code(err) != "unauthorized" {
			t.Errorf("revoked token: %v", err)
		}
		if err := s.RevokeAPIToken(ctx, actor, tokenID); err != nil {
			t.Errorf("revoking twice: %v", err)
		}
		if err := s.RevokeAPIToken(ctx, actor, 424242); code(err) != "not_found" {
			t.Errorf("unknown token: %v", err)
		}
		list, _ = s.ListAPITokens(ctx)
		if len(list) != 1 || list[0].RevokedAt == nil {
			t.Errorf("after revoke: %+v", list)
		}
		if auditCount(t, db, "api_token.revoke", tokenID) != 1 {
			t.Error("revoke not audited exactly once")
		}
	})
}
