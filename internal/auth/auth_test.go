package auth_test

import (
	"context"
	"testing"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func TestPasswordHashing(t *testing.T) {
	h, err := auth.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(h, "correct horse") || auth.CheckPassword(h, "correct horsf") {
		t.Fatal("password check wrong")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=1,t=1,p=0$AA$AA", "plain", "$argon2id$v=19$m=99999999,t=1,p=1$AA$AA"} {
		if auth.CheckPassword(bad, "x") {
			t.Errorf("accepted malformed hash %q", bad)
		}
	}
	if _, err := auth.HashPassword("short"); err == nil {
		t.Fatal("short password accepted")
	}
}

func TestPermissionMatrix(t *testing.T) {
	cases := []struct {
		role auth.Role
		perm auth.Permission
		want bool
	}{
		{auth.RoleAgent, auth.PermTicketsWrite, true},
		{auth.RoleAgent, auth.PermKBWrite, false},
		{auth.RoleAgent, auth.PermCustomersErase, false},
		{auth.RoleSupervisor, auth.PermKBWrite, true},
		{auth.RoleSupervisor, auth.PermUsersWrite, false},
		{auth.RoleAdmin, auth.PermUsersWrite, true},
		{auth.Role("ghost"), auth.PermTicketsRead, false},
	}
	for _, c := range cases {
		if got := auth.Can(c.role, c.perm); got != c.want {
			t.Errorf("Can(%s,%s) = %v", c.role, c.perm, got)
		}
	}
}

func TestLoginSessionsTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := auth.NewService(db)
		created, err := s.EnsureAdmin(ctx, "Boss@Shop.test", "s3cret-pass")
		if err != nil || !created {
			t.Fatalf("EnsureAdmin: %v %v", created, err)
		}
		if created, _ := s.EnsureAdmin(ctx, "boss@shop.test", "other-pass"); created {
			t.Fatal("EnsureAdmin created a duplicate")
		}
		if _, _, err := s.Login(ctx, "boss@shop.test", "wrong-pass", ""); err == nil {
			t.Fatal("wrong password accepted")
		}
		if _, _, err := s.Login(ctx, "nobody@shop.test", "s3cret-pass", ""); err == nil {
			t.Fatal("unknown user accepted")
		}
		token, p, err := s.Login(ctx, "BOSS@shop.test", "s3cret-pass", "127.0.0.1")
		if err != nil || p.User.Role != auth.RoleAdmin || p.CSRFToken == "" {
			t.Fatalf("login: %v %+v", err, p)
		}
		got, err := s.Authenticate(ctx, token)
		if err != nil || got.User.ID != p.User.ID {
			t.Fatalf("authenticate: %v", err)
		}
		if err := s.Logout(ctx, got.SessionID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, token); err == nil {
			t.Fatal("session valid after logout")
		}
		api, _, err := s.CreateAPIToken(ctx, p.User.ID, "shop backend")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Authenticate(ctx, api); err != nil || got.SessionID != 0 {
			t.Fatalf("api token: %v", err)
		}
		if _, err := s.Authenticate(ctx, "kft_"+"00"); err == nil {
			t.Fatal("junk token accepted")
		}
		_, err = s.CreateUser(ctx, db, auth.NewUser{Email: "boss@shop.test", Name: "x", Password: "12345678", Role: "agent"})
		if e, ok := apperr.As(err); !ok || e.Code != "email_taken" {
			t.Fatalf("duplicate email: %v", err)
		}
		// One failed login for a known account and one success are audited; the unknown
		// email is not (there is no account to attach it to).
		var failed, ok int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login_failed'`).Scan(&failed)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login'`).Scan(&ok)
		if failed != 1 || ok != 1 {
			t.Fatalf("audit rows: login_failed=%d login=%d, want 1 and 1", failed, ok)
		}
	})
}
