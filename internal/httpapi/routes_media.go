package httpapi

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/media"
)

func init() { routeGroups = append(routeGroups, (*Server).mediaRoutes) }

func (s *Server) mediaRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/v1/widget/conversations/{id}/attachments", Public: true, Handler: s.widgetUpload, Tag: "widget",
			Summary: "Upload a photo (PNG, JPEG, GIF, WebP ≤ 10 MB) or voice recording (WebM, Ogg Opus, WAV ≤ 5 MB) to the visitor's conversation (X-Visitor-Token); " +
				"multipart/form-data with a \"file\" part, or the raw bytes. Then send a message with content_type image or voice and attachment_ids. The type is read from the content, never the name",
			Response: media.Attachment{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/conversations/{id}/attachments", Perm: auth.PermConversationsW, Handler: s.staffUpload, Tag: "conversations",
			Summary: "Upload a photo or voice recording for a reply in a conversation (same formats, limits and checks as the widget's upload); " +
				"then send a message with content_type image or voice and attachment_ids (POST …/messages or the agents' WebSocket)",
			Response: media.Attachment{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/media/{id}/{sig}", Public: true, Handler: s.serveMedia, Tag: "widget",
			Summary: "An attachment's bytes by its signed URL (the url of a message's attachment; the signature is the credential)", Raw: true},
	}
}

// uploadSlack is room for the multipart envelope around the largest file.
const uploadSlack = 64 << 10

func (s *Server) widgetUpload(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitor(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Services.Conversations.VisitorConversation(r.Context(), v, id); err != nil {
		return err
	}
	if s.Services.Media == nil {
		return apperr.New(http.StatusServiceUnavailable, "uploads_disabled", "uploads are not enabled on this server")
	}
	if ok, wait := s.Services.Conversations.AllowSend(v.Key()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return apperr.New(http.StatusTooManyRequests, "rate_limited", "too many uploads; slow down")
	}
	return s.storeUpload(w, r, id)
}

// staffUpload stores an agent's (or an integration's) upload for a conversation. An upload is
// tied to its conversation: a message elsewhere cannot carry it (media.Attach).
func (s *Server) staffUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Services.Conversations.Get(r.Context(), id); err != nil {
		return err
	}
	if s.Services.Media == nil {
		return apperr.New(http.StatusServiceUnavailable, "uploads_disabled", "uploads are not enabled on this server")
	}
	if ok, wait := s.Services.Conversations.AllowSend("u:" + strconv.FormatInt(principal(r).User.ID, 10)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return apperr.New(http.StatusTooManyRequests, "rate_limited", "too many uploads; slow down")
	}
	return s.storeUpload(w, r, id)
}

// storeUpload reads, checks and stores one file for conversation id and answers 201.
func (s *Server) storeUpload(w http.ResponseWriter, r *http.Request, id int64) error {
	data, name, err := readUpload(w, r)
	if err != nil {
		return err
	}
	a, err := s.Services.Media.Store(r.Context(), s.DB, id, data)
	if err != nil {
		return err
	}
	a.Name = media.CleanName(name)
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// readUpload reads one file from a multipart form ("file" part) or the raw body, within the
// size limit. The name is the client's and only ever displayed (cleaned).
func readUpload(w http.ResponseWriter, r *http.Request) (data []byte, name string, err error) {
	body := http.MaxBytesReader(w, r.Body, media.MaxBytes+uploadSlack)
	tooBig := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(http.StatusRequestEntityTooLarge, "file_too_large", "uploads are limited to 10 MB")
		}
		return apperr.BadRequest("bad_upload", "the upload could not be read: "+err.Error())
	}
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		data, err = io.ReadAll(body)
		if err != nil {
			return nil, "", tooBig(err)
		}
		return data, r.Header.Get("X-Filename"), nil
	}
	if params["boundary"] == "" {
		return nil, "", apperr.BadRequest("bad_upload", "multipart/form-data needs a boundary")
	}
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", apperr.BadRequest("bad_upload", "the multipart body could not be read")
	}
	for parts := 0; parts < 10; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", tooBig(err)
		}
		if p.FormName() != "file" {
			io.Copy(io.Discard, p)
			continue
		}
		data, err = io.ReadAll(p)
		if err != nil {
			return nil, "", tooBig(err)
		}
		return data, p.FileName(), nil
	}
	return nil, "", apperr.Invalid("file", "send the file in a multipart part named \"file\"")
}

func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m := s.Services.Media
	if m == nil || !m.Verify(id, r.PathValue("sig")) {
		return apperr.NotFound("attachment")
	}
	a, data, err := m.Open(r.Context(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	// The type was sniffed and checked at upload; nosniff and a sandboxing CSP make sure the
	// bytes are only ever an image or audio, even opened directly in a tab.
	h.Set("Content-Type", a.MIME)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", "inline")
	h.Set("Cache-Control", "private, max-age=86400, immutable")
	h.Set("ETag", `"`+a.SHA256[:32]+`"`)
	// ServeContent answers Range requests, which browsers use to seek in audio.
	http.ServeContent(w, r, "", a.CreatedAt, bytes.NewReader(data))
	return nil
}
