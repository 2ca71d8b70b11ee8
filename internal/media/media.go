// Package media stores what customers and agents upload: photos (evidence of damage, screenshots)
// and voice messages. Files are checked by their content (not their name), capped in size,
// stored once by SHA-256 under the data directory, and recorded as attachments of a conversation.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// MaxBytes is the largest upload accepted (a phone photo or a minute of voice).
const MaxBytes = 10 << 20

// Service stores and reads attachments.
type Service struct {
	DB  *store.DB
	Dir string // where files live; created on first use
	Now func() time.Time
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
}

// allowed maps detected content types to attachment kinds. Anything else is refused, so a
// renamed executable or an HTML page never becomes an "image".
var allowed = map[string]string{
	"image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
	"audio/wave": "voice", "audio/wav": "voice", "audio/mpeg": "voice", "audio/ogg": "voice", "video/webm": "voice", "audio/webm": "voice",
	"audio/mp4": "voice", "application/ogg": "voice",
}

// Detect returns the content type and kind of data, or an error naming what is accepted.
func Detect(data []byte) (mime, kind string, err error) {
	mime = http.DetectContentType(data)
	// net/http reports WebM audio as video/webm and M4A as video/mp4; both are voice here.
	if mime == "video/mp4" {
		mime = "audio/mp4"
	}
	if k, ok := allowed[mime]; ok {
		return mime, k, nil
	}
	return "", "", apperr.New(http.StatusUnsupportedMediaType, "unsupported_file", "only photos (PNG, JPEG, GIF, WebP) and voice recordings (WAV, MP3, OGG, WebM, M4A) can be uploaded; this file looks like "+mime)
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
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	rel := filepath.Join(hash[:2], hash)
	if err := s.write(rel, data); err != nil {
		return nil, err
	}
	a := &Attachment{Kind: kind, MIME: mime, SizeBytes: int64(len(data)), SHA256: hash, CreatedAt: s.Now()}
	a.ConversationID = &conversationID
	a.ID, err = store.InsertID(ctx, q, `INSERT INTO attachments (conversation_id, kind, mime, size_bytes, sha256, storage_path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		conversationID, kind, mime, a.SizeBytes, hash, rel, a.CreatedAt)
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

// Get loads an attachment's record.
func (s *Service) Get(ctx context.Context, id int64) (*Attachment, error) {
	var a Attachment
	err := s.DB.QueryRow(ctx, `SELECT id, conversation_id, message_id, kind, mime, size_bytes, sha256, extracted_text, created_at FROM attachments WHERE id = ?`, id).
		Scan(&a.ID, &a.ConversationID, &a.MessageID, &a.Kind, &a.MIME, &a.SizeBytes, &a.SHA256, &a.ExtractedText, &a.CreatedAt)
	if store.IsNoRows(err) {
		return nil, apperr.NotFound("attachment")
	}
	return &a, err
}

// Open returns an attachment's bytes.
func (s *Service) Open(ctx context.Context, id int64) (*Attachment, []byte, error) {
	a, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(filepath.Join(s.Dir, a.SHA256[:2], a.SHA256))
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %d: %w", id, err)
	}
	return a, data, nil
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
