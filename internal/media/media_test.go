package media_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/media"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestStoreValidatesByContentAndDeduplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := media.New(db, t.TempDir())
		now := time.Now()
		conv, err := store.InsertID(ctx, db, `INSERT INTO conversations (created_at, updated_at) VALUES (?, ?) RETURNING id`, now, now)
		if err != nil {
			t.Fatal(err)
		}
		img := pngBytes(t)
		a, err := s.Store(ctx, db, conv, img)
		if err != nil || a.Kind != "image" || a.MIME != "image/png" {
			t.Fatalf("store png: %+v %v", a, err)
		}
		b, err := s.Store(ctx, db, conv, img)
		if err != nil || b.SHA256 != a.SHA256 || b.ID == a.ID {
			t.Fatalf("second upload: %+v %v", b, err)
		}
		got, data, err := s.Open(ctx, a.ID)
		if err != nil || !bytes.Equal(data, img) || got.SizeBytes != int64(len(img)) {
			t.Fatalf("open: %v", err)
		}
		wav := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 40)...)
		if v, err := s.Store(ctx, db, conv, wav); err != nil || v.Kind != "voice" {
			t.Fatalf("wav: %+v %v", v, err)
		}
		for name, bad := range map[string][]byte{
			"html":   []byte("<html><script>alert(1)</script></html>"),
			"exe":    append([]byte("MZ\x90\x00"), make([]byte, 100)...),
			"text":   []byte("just words"),
			"empty":  {},
			"toobig": make([]byte, media.MaxBytes+1),
		} {
			_, err := s.Store(ctx, db, conv, bad)
			if e, ok := apperr.As(err); !ok || e.Status < 400 || e.Status >= 500 {
				t.Errorf("%s: %v, want a 4xx", name, err)
			}
		}
	})
}
