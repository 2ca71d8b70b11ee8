package media_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/media"
	"kefu/internal/media/mediatest"
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

// wavBytes is a valid 16 kHz mono PCM WAV of n samples of silence.
func wavBytes(n int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+2*n))
	b.WriteString("WAVEfmt ")
	binary.Write(&b, binary.LittleEndian, []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)})
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(2*n))
	b.Write(make([]byte, 2*n))
	return b.Bytes()
}

func newConversation(t *testing.T, db *store.DB) int64 {
	t.Helper()
	now := time.Now()
	id, err := store.InsertID(context.Background(), db, `INSERT INTO conversations (created_at, updated_at) VALUES (?, ?) RETURNING id`, now, now)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStoreValidatesByContentAndDeduplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := media.New(db, t.TempDir())
		s.Key = []byte("test-key-0123456789abcdef0123456789")
		conv := newConversation(t, db)
		img := pngBytes(t)
		a, err := s.Store(ctx, db, conv, img)
		if err != nil || a.Kind != "image" || a.MIME != "image/png" || !strings.HasPrefix(a.URL, "/api/v1/media/") {
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
		if v, err := s.Store(ctx, db, conv, wavBytes(1600)); err != nil || v.Kind != "voice" || v.MIME != "audio/wav" {
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
		// Voice has its own, smaller cap.
		if _, err := s.Store(ctx, db, conv, wavBytes(media.MaxVoiceBytes/2+10)); codeOf(err) != "file_too_large" {
			t.Errorf("oversized voice: %v", err)
		}
		// Signed URLs: the right signature only.
		sig := strings.TrimPrefix(a.URL, "/api/v1/media/1/")
		if !s.Verify(a.ID, sig) || s.Verify(a.ID+1, sig) || s.Verify(a.ID, "") || s.Verify(a.ID, strings.Repeat("0", 32)) {
			t.Error("signature check")
		}
	})
}

// TestDetect covers what is accepted — the formats browsers and phones produce — and what is
// refused: other containers, truncated files and decompression bombs.
func TestDetect(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var jp, gf bytes.Buffer
	jpeg.Encode(&jp, img, nil)
	gif.Encode(&gf, img, nil)
	p := pngBytes(t)
	// A PNG header claiming 20 000 × 20 000 pixels: a few bytes that would decode to 1.6 GB.
	bomb := append([]byte(nil), p...)
	binary.BigEndian.PutUint32(bomb[16:], 20000)
	binary.BigEndian.PutUint32(bomb[20:], 20000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29])) // IHDR's checksum
	webm := append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"), make([]byte, 64)...)
	mkv := append([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x88matroska"), make([]byte, 64)...)
	oggOpus := append([]byte("OggS\x00\x02"+strings.Repeat("\x00", 22)+"OpusHead"), make([]byte, 40)...)
	// ISO media headers as Safari's recorder (sound only) and a camera (with video) write them.
	m4a := append([]byte("\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isomiso2\x00\x00\x00\x08moov\x00\x00\x00\x21hdlr\x00\x00\x00\x00\x00\x00\x00\x00soun"), make([]byte, 64)...)
	mp4Video := append([]byte("\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2\x00\x00\x00\x08moov\x00\x00\x00\x21hdlr\x00\x00\x00\x00\x00\x00\x00\x00vide"), make([]byte, 64)...)
	oggVorbis := append([]byte("OggS\x00\x02"+strings.Repeat("\x00", 22)+"\x01vorbis"), make([]byte, 40)...)
	for _, tc := range []struct {
		name       string
		data       []byte
		mime, kind string
		code       string
	}{
		{"png", p, "image/png", "image", ""},
		{"jpeg", jp.Bytes(), "image/jpeg", "image", ""},
		{"gif", gf.Bytes(), "image/gif", "image", ""},
		{"wav", wavBytes(10), "audio/wav", "voice", ""},
		{"webm", webm, "audio/webm", "voice", ""},
		{"ogg opus", oggOpus, "audio/ogg", "voice", ""},
		{"mp4 audio (Safari)", m4a, "audio/mp4", "voice", ""},
		{"mp4 video", mp4Video, "", "", "unsupported_file"},
		{"truncated png", p[:len(p)-12], "", "", "unsupported_file"},
		{"png bomb", bomb, "", "", "image_too_large"},
		{"matroska video", mkv, "", "", "unsupported_file"},
		{"ogg vorbis", oggVorbis, "", "", "unsupported_file"},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", "", "unsupported_file"},
		{"mp3", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), make([]byte, 64)...), "", "", "unsupported_file"},
		{"wav without fmt", append([]byte("RIFF\x24\x00\x00\x00WAVEjunk"), make([]byte, 40)...), "", "", "unsupported_file"},
	} {
		mime, kind, err := media.Detect(tc.data)
		if mime != tc.mime || kind != tc.kind || codeOf(err) != tc.code {
			t.Errorf("%s: %q %q %v, want %q %q %s", tc.name, mime, kind, err, tc.mime, tc.kind, tc.code)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"photo.png":                 "photo.png",
		"../../etc/passwd":          "passwd",
		`C:\Users\a\Desktop\x.jpg`:  "x.jpg",
		"screen\u202egnp.exe":       "screengnp.exe",
		"a\x00b\nc.png":             "abc.png",
		"..":                        "",
		"订单截图.png":                  "订单截图.png",
		strings.Repeat("长", 300):    strings.Repeat("长", 100),
		"\xff\xfebad.png":           "bad.png",
		"  .hidden  ":               "hidden",
		"name/with/trailing/":       "",
		"zero\u200bwidth\ufeff.png": "zerowidth.png",
	} {
		if got := media.CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanOCR(t *testing.T) {
	for in, want := range map[string]string{
		"订 单 号 ： KF20261101001\n\n\f":      "订单号 ： KF20261101001",
		"Order No. KF1\r\n\r\nShipped  ok": "Order No. KF1\nShipped ok",
		"  \f ":                            "",
		"物 流\x07 单 号":                      "物流单号",
	} {
		if got := media.CleanOCR(in); got != want {
			t.Errorf("CleanOCR(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAttachAndRecord: a message may carry only its own conversation's uploads of its kind,
// once; the extraction result is recorded once (the second worker changes nothing).
func TestAttachAndRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := media.New(db, t.TempDir())
		conv, other := newConversation(t, db), newConversation(t, db)
		img, _ := s.Store(ctx, db, conv, pngBytes(t))
		voice, _ := s.Store(ctx, db, conv, wavBytes(100))
		foreign, _ := s.Store(ctx, db, other, pngBytes(t))
		now := time.Now()
		msg, err := store.InsertID(ctx, db, `INSERT INTO messages (conversation_id, sender_kind, content_type, body, payload, created_at) VALUES (?, 'customer', 'image', '[image]', '{"keep":1}', ?) RETURNING id`, conv, now)
		if err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct {
			typ  string
			ids  []int64
			code string
		}{
			"foreign":   {"image", []int64{foreign.ID}, "invalid"},
			"missing":   {"image", []int64{999999}, "invalid"},
			"wrong":     {"image", []int64{voice.ID}, "invalid"},
			"none":      {"image", nil, "invalid"},
			"two voice": {"voice", []int64{voice.ID, voice.ID}, "invalid"},
			"text":      {"text", []int64{img.ID}, "invalid"},
		} {
			if _, err := s.Attach(ctx, db, conv, msg, tc.typ, tc.ids); codeOf(err) == "" || err == nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		refs, err := s.Attach(ctx, db, conv, msg, "image", []int64{img.ID})
		if err != nil {
			t.Fatal(err)
		}
		var rs []media.Ref
		if json.Unmarshal(refs, &rs); len(rs) != 1 || rs[0].ID != img.ID || rs[0].Kind != "image" {
			t.Errorf("refs %s", refs)
		}
		if _, err := s.Attach(ctx, db, conv, msg+1, "image", []int64{img.ID}); codeOf(err) != "attachment_already_sent" {
			t.Errorf("reuse: %v", err)
		}
		ok, err := s.Record(ctx, msg, map[int64]string{img.ID: "KF20261101001"}, media.Result{Status: "done", OCRText: "KF20261101001"})
		if err != nil || !ok {
			t.Fatalf("record: %v %v", ok, err)
		}
		if ok, err := s.Record(ctx, msg, map[int64]string{img.ID: "other"}, media.Result{Status: "failed"}); err != nil || ok {
			t.Errorf("second record: %v %v", ok, err)
		}
		var payload string
		db.QueryRow(ctx, `SELECT payload FROM messages WHERE id = ?`, msg).Scan(&payload)
		if !strings.Contains(payload, `"keep":1`) || !strings.Contains(payload, `"ocr_text":"KF20261101001"`) || !strings.Contains(payload, `"media_status":"done"`) {
			t.Errorf("payload %s", payload)
		}
		if a, _ := s.Get(ctx, img.ID); a.ExtractedText != "KF20261101001" || a.MessageID == nil || *a.MessageID != msg {
			t.Errorf("attachment %+v", a)
		}
	})
}

// TestToolsWithRealPrograms runs tesseract, ffmpeg and pocketsphinx as kefu does.
func TestToolsWithRealPrograms(t *testing.T) {
	tools := media.DefaultTools()
	ctx := context.Background()
	t.Run("OCR", func(t *testing.T) {
		mediatest.NeedTools(t, "tesseract")
		path := filepath.Join(t.TempDir(), "shot")
		os.WriteFile(path, mediatest.TextPNG(t, "Order details", "Order No. KF20261101001", "Tracking SF1234567890123"), 0o600)
		text, err := tools.OCR(ctx, path)
		if err != nil || !strings.Contains(text, "KF20261101001") || !strings.Contains(text, "SF1234567890123") {
			t.Errorf("OCR: %q %v", text, err)
		}
	})
	t.Run("Speech", func(t *testing.T) {
		mediatest.NeedTools(t, "pocketsphinx_continuous")
		path := filepath.Join(t.TempDir(), "voice")
		os.WriteFile(path, mediatest.SpeechWebM(t, "where is my order"), 0o600)
		text, err := tools.Transcribe(ctx, path)
		if err != nil || text != "where is my order" {
			t.Errorf("Transcribe: %q %v", text, err)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		missing := tools
		missing.OCRCmd, missing.STTCmd = "/nonexistent/tesseract", "no-such-recogniser"
		if _, err := missing.OCR(ctx, "x"); !errors.Is(err, media.ErrUnavailable) {
			t.Errorf("OCR without the program: %v", err)
		}
		if _, err := missing.Transcribe(ctx, "x"); !errors.Is(err, media.ErrUnavailable) {
			t.Errorf("speech without the program: %v", err)
		}
		ocr, stt := missing.Check()
		if ocr == nil || stt == nil {
			t.Error("Check reports the missing programs")
		}
	})
	t.Run("Timeout", func(t *testing.T) {
		mediatest.NeedTools(t, "tesseract")
		slow := tools
		slow.Timeout = time.Nanosecond
		path := filepath.Join(t.TempDir(), "shot")
		os.WriteFile(path, mediatest.TextPNG(t, "x"), 0o600)
		if _, err := slow.OCR(ctx, path); err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Errorf("OCR past its time limit: %v", err)
		}
	})
}

// codeOf is an error's stable code ("" when it is not an apperr).
func codeOf(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}
