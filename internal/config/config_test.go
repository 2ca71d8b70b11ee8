package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DatabaseURL != "sqlite://data/kefu.db" || c.MaxBodyBytes != 1<<20 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestValidationNamesTheVariable(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"KEFU_ADDR": "8080"}, "KEFU_ADDR"},
		{map[string]string{"KEFU_DATABASE_URL": "mysql://x"}, "KEFU_DATABASE_URL"},
		{map[string]string{"KEFU_ADMIN_EMAIL": "nobody", "KEFU_ADMIN_PASSWORD": "longenough"}, "KEFU_ADMIN_EMAIL"},
		{map[string]string{"KEFU_ADMIN_EMAIL": "a@b.c", "KEFU_ADMIN_PASSWORD": "short"}, "KEFU_ADMIN_PASSWORD"},
		{map[string]string{"KEFU_ADMIN_EMAIL": "a@b.c"}, "set both or neither"},
		{map[string]string{"KEFU_SECRET_KEY": "tooshort"}, "KEFU_SECRET_KEY"},
		{map[string]string{"KEFU_LOG_LEVEL": "loud"}, "KEFU_LOG_LEVEL"},
		{map[string]string{"KEFU_MAX_BODY_BYTES": "12"}, "KEFU_MAX_BODY_BYTES"},
		{map[string]string{"KEFU_SECURE_COOKIES": "maybe"}, "KEFU_SECURE_COOKIES"},
	}
	for _, c := range cases {
		_, err := Load(envOf(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env %v: error %v, want mention of %s", c.env, err, c.want)
		}
	}
}

func TestEnsureSecretCreatesOnceAndReuses(t *testing.T) {
	dir := t.TempDir()
	c, err := Load(envOf(map[string]string{"KEFU_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.EnsureSecret()
	if err != nil || !created || len(c.SecretKey) != 32 {
		t.Fatalf("first EnsureSecret: created=%v err=%v len=%d", created, err, len(c.SecretKey))
	}
	info, _ := os.Stat(filepath.Join(dir, "secret.key"))
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key mode %v", info.Mode())
	}
	c2, _ := Load(envOf(map[string]string{"KEFU_DATA_DIR": dir}))
	created, err = c2.EnsureSecret()
	if err != nil || created || string(c2.SecretKey) != string(c.SecretKey) {
		t.Fatalf("second EnsureSecret changed the key: created=%v err=%v", created, err)
	}
}

func TestMailSettings(t *testing.T) {
	c, err := Load(envOf(map[string]string{"KEFU_SMTP_ADDR": "smtp.example.com:587", "KEFU_SMTP_USER": "kefu",
		"KEFU_SMTP_PASSWORD": "pw", "KEFU_SMTP_FROM": "Shop <support@example.com>", "KEFU_PUBLIC_URL": "https://help.example.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.SMTP.Enabled() || c.SMTP.From != "Shop <support@example.com>" || c.PublicURL != "https://help.example.com" {
		t.Fatalf("mail settings: %+v %q", c.SMTP, c.PublicURL)
	}
	if c, _ := Load(envOf(nil)); c.SMTP.Enabled() {
		t.Fatal("e-mail must be off by default")
	}
	bad := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"KEFU_SMTP_FROM": "a@b.c"}, "KEFU_SMTP_ADDR"},
		{map[string]string{"KEFU_SMTP_ADDR": "smtp.example.com", "KEFU_SMTP_FROM": "a@b.c"}, "KEFU_SMTP_ADDR"},
		{map[string]string{"KEFU_SMTP_ADDR": "smtp.example.com:25"}, "KEFU_SMTP_FROM"},
		{map[string]string{"KEFU_SMTP_ADDR": "smtp.example.com:25", "KEFU_SMTP_FROM": "a@b.c"}, "KEFU_PUBLIC_URL"},
		{map[string]string{"KEFU_SMTP_ADDR": "smtp.example.com:25", "KEFU_SMTP_FROM": "not an address"}, "KEFU_SMTP_FROM"},
		{map[string]string{"KEFU_SMTP_ADDR": "smtp.example.com:25", "KEFU_SMTP_FROM": "a@b.c", "KEFU_SMTP_USER": "u"}, "KEFU_SMTP_USER/KEFU_SMTP_PASSWORD"},
		{map[string]string{"KEFU_PUBLIC_URL": "help.example.com"}, "KEFU_PUBLIC_URL"},
		{map[string]string{"KEFU_PUBLIC_URL": "ftp://help.example.com"}, "KEFU_PUBLIC_URL"},
	}
	for _, c := range bad {
		if _, err := Load(envOf(c.env)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env %v: error %v, want mention of %s", c.env, err, c.want)
		}
	}
}
