// Package media stores what customers and agents upload: photos (evidence of damage, screenshots)
// and voice messages. Files are checked by their content (not their name), capped in size,
// stored once by SHA-256 under the data directory, and recorded as attachments of a conversation.
// A message then claims its attachments (Attach), and extract.go turns them into words:
// tesseract for photos, ffmpeg + pocketsphinx for English voice.
package media

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif" // registers GIF for DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	_ "golang.org/x/image/webp"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// Upload limits. A phone photo is a few MB; a minute of Opus voice is under 1 MB, so 5 MB of
// voice is several minutes — longer recordings are not chat messages.
const (
	MaxBytes      = 10 << 20 // any upload
	MaxVoiceBytes = 5 << 20
	// MaxPixels and MaxSide bound a photo's decoded size, so a tiny file that claims to be a
	// 100 000 × 100 000 image cannot make OCR (or a browser) allocate gigabytes.
	MaxPixels = 40_000_000
	MaxSide   = 12_000
	// MaxPerMessage is how many photos one message may carry (voice: exactly one).
	MaxPerMessage = 9
)

// Service stores and reads attachments.
type Service struct {
	DB  *store.DB
	Dir string // where files live; created on first use
	Now func() time.Time
	// Key signs attachment URLs (see URL); set from the app's secret. Empty in a test that
	// does not serve files.
	Key []byte
}

// New returns a media service storing files under dir.
func New(db *store.DB, dir string) *Service { return &Service{DB: db, Dir: dir, Now: time.Now} }

// Attachment is a stored upload.
type Attachment struct {
	ID             int64     `json:"id"`
	ConversationID *int64    `json:"conversation_id"`
	MessageID      *int64    `json:"message_id"`
	Kind           string    `json:"kind"` // image, voice
	MIME           string    `json:"mime"`
	SizeBytes      int64     `json:"size_bytes"`
	SHA256         string    `json:"sha256"`
	ExtractedText  string    `json:"extracted_text"`
	CreatedAt      time.Time `json:"created_at"`
	URL            string    `json:"url,omitempty"`  // signed; works without a session (an <img> cannot send headers)
	Name           string    `json:"name,omitempty"` // the uploader's file name, cleaned (display only)
	storagePath    string
}

// Ref is an attachment as a message carries it (messages.attachments).
type Ref struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	MIME      string `json:"mime"`
	SizeBytes int64  `json:"size_bytes"`
	URL       string `json:"url"`
}

// kinds maps detected content types to attachment kinds. Anything else is refused, so a
// renamed executable or an HTML page never becomes an "image".
var kinds = map[string]string{
	"image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
	"audio/wav": "voice", "audio/ogg": "voice", "audio/webm": "voice", "audio/mp4": "voice",
}

const accepted = "only photos (PNG, JPEG, GIF, WebP) and voice recordings (WebM, Ogg Opus, WAV, MP4 audio) can be uploaded"

// Detect returns the content type and kind of data from its bytes, or a 415 error naming
// what is accepted. Photos must decode (header and size); voice must be a WebM, Ogg Opus or
// WAV container.
func Detect(data []byte) (mime, kind string, err error) {
	sniffed := http.DetectContentType(data)
	mime = sniffed
	switch sniffed {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil || !complete(sniffed, data) {
			return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", "the photo is damaged or incomplete ("+sniffed+" that does not decode)")
		}
		if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
			return "", "", apperr.New(http.StatusRequestEntityTooLarge, "image_too_large",
				fmt.Sprintf("photos may be at most %d × %d pixels and %d megapixels; this one is %d × %d", MaxSide, MaxSide, MaxPixels/1_000_000, cfg.Width, cfg.Height))
		}
	case "audio/wave":
		if len(data) < 44 || !bytes.Contains(data[12:min(len(data), 64)], []byte("fmt ")) {
			return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", "the WAV file has no audio format header")
		}
		mime = "audio/wav"
	case "video/webm":
		// net/http calls every EBML file video/webm; a recording from a browser says "webm" as
		// its DocType in the first bytes (a Matroska video says "matroska").
		if !bytes.Contains(data[:min(len(data), 64)], []byte("webm")) {
			return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", accepted+"; this file is a Matroska container that is not WebM")
		}
		mime = "audio/webm"
	case "application/ogg":
		if !bytes.Contains(data[:min(len(data), 512)], []byte("OpusHead")) {
			return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", accepted+"; this Ogg file does not carry Opus audio")
		}
		mime = "audio/ogg"
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		// An ISO media file (Safari records voice as audio/mp4): accepted when its tracks are
		// sound only. The handler boxes sit in the header ("moov") that recorders write first.
		head := data[:min(len(data), 64<<10)]
		if !bytes.Contains(head, []byte("soun")) || bytes.Contains(head, []byte("vide")) {
			return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", accepted+"; this MP4 file is not audio only")
		}
		mime = "audio/mp4"
	}
	if k, ok := kinds[mime]; ok {
		return mime, k, nil
	}
	return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", accepted+"; this file looks like "+sniffed)
}

// complete checks that a photo's file ends the way its format ends, so a half-sent upload is
// refused at once rather than shown broken to an agent (a full decode would cost up to
// MaxPixels × 4 bytes of memory per upload).
func complete(mime string, data []byte) bool {
	tail := bytes.TrimRight(data[max(0, len(data)-4096):], "\x00")
	switch mime {
	case "image/png":
		return bytes.HasSuffix(tail, []byte("IEND\xaeB`\x82"))
	case "image/jpeg":
		return bytes.Contains(tail, []byte{0xFF, 0xD9}) // end of image (some cameras append a trailer)
	case "image/gif":
		return bytes.HasSuffix(tail, []byte{0x3B})
	case "image/webp":
		// RIFF size = file length - 8 (an odd chunk may be padded by one byte).
		n := int(uint32(data[4]) | uint32(data[5])<<8 | uint32(data[6])<<16 | uint32(data[7])<<24)
		return n+8 == len(data) || n+9 == len(data)
	}
	return false
}

// CleanName makes an uploader's file name safe to show: the last path element only, no
// control or bidi-override characters, at most 100 characters. It is never used as a path.
func CleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "")
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(strings.TrimSpace(name), ".")
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	return name
}

// Store validates and saves an upload for a conversation.
func (s *Service) Store(ctx context.Context, q store.Querier, conversationID int64, data []byte) (*Attachment, error) {
	if len(data) == 0 {
		return nil, apperr.BadRequest("empty_file", "the upload is empty")
	}
	if len(data) > MaxBytes {
		return nil, apperr.New(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("uploads are limited to %d MB", MaxBytes>>20))
	}
	mime, kind, err := Detect(data)
	if err != nil {
		return nil, err
	}
	if kind == "voice" && len(data) > MaxVoiceBytes {
		return nil, apperr.New(http.StatusRequestEntityTooLarge, "file_too_large", fmt.Sprintf("voice messages are limited to %d MB (a few minutes)", MaxVoiceBytes>>20))
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	rel := filepath.Join(hash[:2], hash)
	if err := s.write(rel, data); err != nil {
		return nil, err
	}
	a := &Attachment{Kind: kind, MIME: mime, SizeBytes: int64(len(data)), SHA256: hash, CreatedAt: s.Now(), storagePath: rel}
	a.ConversationID = &conversationID
	a.ID, err = store.InsertID(ctx, q, `INSERT INTO attachments (conversation_id, kind, mime, size_bytes, sha256, storage_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		conversationID, kind, mime, a.SizeBytes, hash, rel, a.CreatedAt)
	if err == nil {
		a.URL = s.URL(a.ID)
	}
	return a, err
}

// write stores the file atomically (temp file + rename); identical content is stored once.
func (s *Service) write(rel string, data []byte) error {
	path := filepath.Join(s.Dir, rel)
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

const attachmentColumns = `id, conversation_id, message_id, kind, mime, size_bytes, sha256, extracted_text, storage_path, created_at`

func scanAttachment(row interface{ Scan(...any) error }) (*Attachment, error) {
	var a Attachment
	err := row.Scan(&a.ID, &a.ConversationID, &a.MessageID, &a.Kind, &a.MIME, &a.SizeBytes, &a.SHA256, &a.ExtractedText, &a.storagePath, &a.CreatedAt)
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("attachment")
	}
	return &a, err
}

// Get loads an attachment's record.
func (s *Service) Get(ctx context.Context, id int64) (*Attachment, error) {
	a, err := scanAttachment(s.DB.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	a.URL = s.URL(a.ID)
	return a, nil
}

// Path is where an attachment's bytes live on disk (for the OCR and speech tools).
func (s *Service) Path(a *Attachment) string {
	rel := a.storagePath
	if rel == "" || filepath.IsAbs(rel) || strings.Contains(rel, "..") {
		rel = filepath.Join(a.SHA256[:2], a.SHA256)
	}
	return filepath.Join(s.Dir, rel)
}

// Open returns an attachment's bytes.
func (s *Service) Open(ctx context.Context, id int64) (*Attachment, []byte, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(s.Path(a))
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, data, nil
}

// Signature is the capability that lets anyone holding an attachment's URL fetch it: the
// customer's <img>/<audio> and the agent's workspace use the same link, and nobody can walk
// the id space. Empty without a key.
func (s *Service) Signature(id int64) string {
	if len(s.Key) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("kefu-attachment\x00" + strconv.FormatInt(id, 10)))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// URL is the signed path an attachment is served at.
func (s *Service) URL(id int64) string {
	sig := s.Signature(id)
	if sig == "" {
		return ""
	}
	return "/api/v1/media/" + strconv.FormatInt(id, 10) + "/" + sig
}

// Verify checks a signature from a URL in constant time.
func (s *Service) Verify(id int64, sig string) bool {
	want := s.Signature(id)
	return want != "" && hmac.Equal([]byte(want), []byte(sig))
}

// Attach lets message messageID of a conversation carry the uploads ids, in the message's own
// transaction: each must have been uploaded to the same conversation (so by the same
// visitor), be of the message's kind and not be carried by another message yet. It returns
// the references the message stores.
func (s *Service) Attach(ctx context.Context, q store.Querier, conversationID, messageID int64, contentType string, ids []int64) (json.RawMessage, error) {
	switch {
	case contentType != "image" && contentType != "voice":
		return nil, apperr.Invalid("attachment_ids", "only image and voice messages carry attachments")
	case len(ids) == 0:
		return nil, apperr.Invalid("attachment_ids", "an "+contentType+" message names the upload it carries: upload it first (POST …/attachments), then send its id")
	case contentType == "voice" && len(ids) != 1:
		return nil, apperr.Invalid("attachment_ids", "a voice message carries exactly one recording")
	case len(ids) > MaxPerMessage:
		return nil, apperr.Invalid("attachment_ids", fmt.Sprintf("a message carries at most %d photos", MaxPerMessage))
	}
	refs := make([]Ref, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if id <= 0 || seen[id] {
			return nil, apperr.Invalid("attachment_ids", "must be distinct attachment ids")
		}
		seen[id] = true
		a, err := scanAttachment(q.QueryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
		if e, ok := apperr.As(err); ok && e.Status == http.StatusNotFound || err == nil && (a.ConversationID == nil || *a.ConversationID != conversationID) {
			// The same answer for a missing upload and someone else's: ids are not to be probed.
			return nil, apperr.Invalid("attachment_ids", fmt.Sprintf("attachment %d was not uploaded to this conversation", id))
		} else if err != nil {
			return nil, err
		}
		if a.Kind != contentType {
			return nil, apperr.Invalid("attachment_ids", fmt.Sprintf("attachment %d is a %s, not a %s", id, a.Kind, contentType))
		}
		res, err := q.Exec(ctx, `UPDATE attachments SET message_id = ? WHERE id = ? AND message_id IS NULL`, messageID, id)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, apperr.Conflict("attachment_already_sent", fmt.Sprintf("attachment %d already belongs to another message; upload it again to resend", id))
		}
		refs = append(refs, Ref{ID: a.ID, Kind: a.Kind, MIME: a.MIME, SizeBytes: a.SizeBytes, URL: s.URL(a.ID)})
	}
	b, err := json.Marshal(refs)
	return b, err
}

// OfMessage returns the attachments a message carries, in id order.
func (s *Service) OfMessage(ctx context.Context, messageID int64) ([]*Attachment, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE message_id = ? ORDER BY id`, messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Attachment
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Link ties uploaded attachments to the message that carries them.
func (s *Service) Link(ctx context.Context, q store.Querier, messageID int64, ids []int64) error {
	for _, id := range ids {
		if _, err := q.Exec(ctx, `UPDATE attachments SET message_id = ? WHERE id = ?`, messageID, id); err != nil {
			return err
		}
	}
	return nil
}

// Result is what extraction found in a message's attachments; it is merged into the
// message's payload so agents (and a reloaded widget) see it.
type Result struct {
	Status     string `json:"media_status"`          // done, unavailable, failed, skipped
	OCRText    string `json:"ocr_text,omitempty"`    // photos
	Transcript string `json:"transcript,omitempty"`  // voice
	Note       string `json:"media_note,omitempty"`  // why there is no text, for agents
	Lang       string `json:"speech_lang,omitempty"` // voice: the language it was recognised in
}

// Record stores the extracted text on the attachments and merges r into the message's
// payload, in one transaction. It reports false, changing nothing, when the message already
// has a result (another worker got there first), so the customer is answered once.
func (s *Service) Record(ctx context.Context, messageID int64, texts map[int64]string, r Result) (recorded bool, err error) {
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		var raw string
		if err := tx.QueryRow(ctx, `SELECT payload FROM messages WHERE id = ?`, messageID).Scan(&raw); err != nil {
			return err
		}
		if Processed(json.RawMessage(raw)) {
			return nil
		}
		payload := map[string]any{}
		if raw != "" {
			json.Unmarshal([]byte(raw), &payload) // a payload that is not an object is replaced
		}
		add, _ := json.Marshal(r)
		var fields map[string]any
		json.Unmarshal(add, &fields)
		for k, v := range fields {
			payload[k] = v
		}
		b, err := json.Marshal(payload)
		if err != nil {
			return err
		}
		// Compare-and-set on the payload read above: of two workers racing, one wins.
		res, err := tx.Exec(ctx, `UPDATE messages SET payload = ? WHERE id = ? AND payload = ?`, string(b), messageID, raw)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for id, text := range texts {
			if _, err := tx.Exec(ctx, `UPDATE attachments SET extracted_text = ? WHERE id = ? AND message_id = ?`, text, id, messageID); err != nil {
				return err
			}
		}
		recorded = true
		return nil
	})
	return recorded && err == nil, err
}

// Processed reports whether a message's payload already holds an extraction result.
func Processed(payload json.RawMessage) bool {
	var p struct {
		Status string `json:"media_status"`
	}
	json.Unmarshal(payload, &p)
	return p.Status != ""
}

// SweepJob removes stored files no attachment refers to any more (after a customer's erasure,
// or an upload whose conversation was deleted). Files are stored once per content, so a file
// goes only when no row names its hash.
const SweepJob = "media.sweep"

// RemoveUnreferenced deletes the files under Dir that no attachment row refers to and that are
// older than grace, and reports how many it removed.
func (s *Service) RemoveUnreferenced(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := time.Now().Add(-grace)
	removed := 0
	err := filepath.WalkDir(s.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil // nothing stored yet
			}
			return err
		}
		name := d.Name()
		if d.IsDir() || len(name) != 64 || strings.Trim(name, "0123456789abcdef") != "" {
			return nil // only content-addressed files (temp files and others are not ours to judge)
		}
		info, err := d.Info()
		if err != nil || info.ModTime().After(cutoff) {
			return nil
		}
		var n int
		if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM attachments WHERE sha256 = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				return err
			}
			removed++
		}
		return nil
	})
	return removed, err
}
