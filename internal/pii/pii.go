// Package pii protects customers' personal data at rest: phone numbers, emails, addresses and
// recipient names are sealed with AES-256-GCM, and a keyed hash (HMAC-SHA256) of the
// normalised value allows exact-match lookup ("find the customer with this phone") without
// ever decrypting rows in bulk. Both keys derive from KEFU_SECRET_KEY.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode"
)

// Box seals and opens PII fields.
type Box struct {
	aead    cipher.AEAD
	hashKey []byte
}

// version byte in front of every ciphertext, so keys or algorithms can rotate later.
const version1 = 1

// New derives the encryption and hashing keys from the secret (at least 32 bytes of entropy).
func New(secret []byte) (*Box, error) {
	if len(secret) < 32 {
		return nil, errors.New("secret key must be at least 32 bytes")
	}
	encKey := derive(secret, "kefu pii encryption v1")
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, hashKey: derive(secret, "kefu pii lookup hash v1")}, nil
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts a value; the empty string seals to nil so "no phone" stays NULL.
func (b *Box) Seal(plain string) []byte {
	if plain == "" {
		return nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		panic("pii: no randomness: " + err.Error()) // the OS RNG failing is not recoverable
	}
	out := append([]byte{version1}, nonce...)
	return b.aead.Seal(out, nonce, []byte(plain), nil)
}

// Open decrypts what Seal produced; nil opens to "".
func (b *Box) Open(sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	ns := b.aead.NonceSize()
	if sealed[0] != version1 || len(sealed) < 1+ns+b.aead.Overhead() {
		return "", errors.New("pii: unknown ciphertext format")
	}
	plain, err := b.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], nil)
	if err != nil {
		return "", errors.New("pii: cannot decrypt (wrong KEFU_SECRET_KEY?)")
	}
	return string(plain), nil
}

// Hash returns the lookup hash of a normalised value of the given kind ("phone", "email"),
// or "" for an empty value. The kind is mixed in so equal strings of different kinds differ.
func (b *Box) Hash(kind, value string) string {
	v := Normalise(kind, value)
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(kind + "\x00" + v))
	return hex.EncodeToString(m.Sum(nil))
}

// Normalise puts a value in the form used for hashing: emails lower-cased and trimmed; phones
// reduced to digits, with a mainland +86/0086 prefix removed so 138… and +86 138… match.
func Normalise(kind, value string) string {
	value = strings.TrimSpace(value)
	switch kind {
	case "email":
		return strings.ToLower(value)
	case "phone":
		var d strings.Builder
		for _, r := range value {
			if unicode.IsDigit(r) && r < 128 {
				d.WriteRune(r)
			}
		}
		s := d.String()
		if len(s) == 13 && strings.HasPrefix(s, "86") {
			s = s[2:]
		} else if len(s) == 15 && strings.HasPrefix(s, "0086") {
			s = s[4:]
		}
		return s
	}
	return value
}

// MaskPhone shows only what an agent needs to confirm a number: 138****8000.
func MaskPhone(p string) string {
	r := []rune(p)
	if len(r) < 7 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "****" + string(r[len(r)-4:])
}

// MaskEmail keeps the first character and the domain: w***@example.com.
func MaskEmail(e string) string {
	at := strings.LastIndex(e, "@")
	if at <= 0 {
		return "***"
	}
	first := []rune(e[:at])[0]
	return string(first) + "***" + e[at:]
}
