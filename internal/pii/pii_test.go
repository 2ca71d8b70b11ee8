package pii

import (
	"bytes"
	"strings"
	"testing"
)

func testBox(t *testing.T) *Box {
	t.Helper()
	b, err := New(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpenRoundTripAndNoPlaintext(t *testing.T) {
	b := testBox(t)
	for _, v := range []string{"13800138000", "wang.fang@example.com", "浙江省杭州市西湖区文三路 90 号 5 栋 1201", "😀\x00\xff"} {
		sealed := b.Seal(v)
		if bytes.Contains(sealed, []byte(v)) {
			t.Fatalf("ciphertext contains plaintext %q", v)
		}
		got, err := b.Open(sealed)
		if err != nil || got != v {
			t.Fatalf("Open = %q, %v; want %q", got, err, v)
		}
		if bytes.Equal(sealed, b.Seal(v)) {
			t.Fatal("two seals of one value are equal: nonce reused")
		}
	}
	if b.Seal("") != nil {
		t.Fatal("empty value should seal to nil")
	}
}

func TestOpenRejectsTamperingAndOtherKeys(t *testing.T) {
	b := testBox(t)
	sealed := b.Seal("13800138000")
	sealed[len(sealed)-1] ^= 1
	if _, err := b.Open(sealed); err == nil {
		t.Fatal("tampered ciphertext opened")
	}
	other, _ := New(bytes.Repeat([]byte("x"), 32))
	if _, err := other.Open(b.Seal("a")); err == nil {
		t.Fatal("opened with another key")
	}
	if _, err := b.Open([]byte{9, 1, 2}); err == nil {
		t.Fatal("garbage opened")
	}
	if _, err := New([]byte("short")); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestHashMatchesNormalisedForms(t *testing.T) {
	b := testBox(t)
	cases := []struct {
		kind, a, b string
		same       bool
	}{
		{"phone", "13800138000", "+86 138-0013-8000", true},
		{"phone", "13800138000", "0086 13800138000", true},
		{"phone", "13800138000", "13800138001", false},
		{"email", "Wang@Example.com ", "wang@example.com", true},
		{"email", "a@b.c", "a@b.d", false},
	}
	for _, c := range cases {
		if got := b.Hash(c.kind, c.a) == b.Hash(c.kind, c.b); got != c.same {
			t.Errorf("Hash(%q)==Hash(%q): %v, want %v", c.a, c.b, got, c.same)
		}
	}
	if b.Hash("phone", "") != "" || b.Hash("phone", "abc") != "" {
		t.Error("empty values must hash to empty")
	}
	if strings.Contains(b.Hash("email", "a@b.c"), "a@b.c") {
		t.Error("hash leaks value")
	}
}

func TestMasks(t *testing.T) {
	if got := MaskPhone("13800138000"); got != "138****8000" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := MaskEmail("wang@example.com"); got != "w***@example.com" {
		t.Errorf("MaskEmail = %q", got)
	}
	if got := MaskEmail("bad"); got != "***" {
		t.Errorf("MaskEmail(bad) = %q", got)
	}
}
