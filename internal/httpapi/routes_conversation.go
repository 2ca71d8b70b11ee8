package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/conversation"
)

func init() { routeGroups = append(routeGroups, (*Server).conversationRoutes) }

func (s *Server) conversationRoutes() []Route {
	msgQuery := []Param{{Name: "after_id", Type: "integer", Description: "only messages with a larger id (resume cursor)"},
		{Name: "limit", Type: "integer", Description: "1 to 200 (default 200)"}}
	return []Route{
		{Method: "GET", Path: "/api/v1/conversations", Perm: auth.PermConversations, Handler: s.listConversations, Tag: "conversations", Summary: "List conversations",
			Query: append(pageParams("id, created_at, updated_at, last_message_at"), Param{Name: "status", Type: "string", Enum: conversation.Statuses},
				Param{Name: "handled_by", Type: "string", Enum: conversation.HandledBy},
				Param{Name: "assignee_id", Type: "string", Description: `an agent id, or "unassigned" for conversations no agent owns`},
				Param{Name: "team_id", Type: "string", Description: `a team id, or "mine" for the teams you belong to`}, Param{Name: "customer_id", Type: "integer"}),
			Response: listResponse[conversation.Conversation]{}},
		{Method: "GET", Path: "/api/v1/conversations/counts", Perm: auth.PermConversations, Handler: s.conversationCounts, Tag: "conversations",
			Summary:  "How many conversations each workspace queue holds (needs a person, mine, my teams, unassigned, bot-handled); each count stops at cap (1000), meaning \"cap or more\"",
			Query:    []Param{{Name: "status", Type: "string", Enum: conversation.Statuses, Description: "count only conversations of this status (default: any)"}},
			Response: conversation.QueueCounts{}},
		{Method: "POST", Path: "/api/v1/conversations", Perm: auth.PermConversationsW, Handler: s.createConversation, Tag: "conversations", Summary: "Start a conversation with a customer (server-side integrations)",
			Body: conversation.NewConversation{}, Response: conversation.Conversation{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/conversations/{id}", Perm: auth.PermConversations, Handler: s.getConversation, Tag: "conversations", Summary: "Get a conversation with its read receipts", Response: conversation.Conversation{}},
		{Method: "PATCH", Path: "/api/v1/conversations/{id}", Perm: auth.PermConversationsW, Handler: s.updateConversation, Tag: "conversations", Summary: "Change status, handler, assignee, team or subject",
			Body: conversation.Update{}, Response: conversation.Conversation{}},
		{Method: "GET", Path: "/api/v1/conversations/{id}/messages", Perm: auth.PermConversations, Handler: s.listMessages, Tag: "conversations", Summary: "Messages in id order, including internal notes; resume with after_id",
			Query: msgQuery, Response: messagesResponse[conversation.Message]{}},
		{Method: "POST", Path: "/api/v1/conversations/{id}/messages", Perm: auth.PermConversationsW, Handler: s.postMessage, Tag: "conversations", Summary: "Send a reply or internal note (or relay a customer message); idempotent on client_msg_id",
			Body: postMessageRequest{}, Response: postMessageResponse[conversation.Message]{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/conversations/{id}/read", Perm: auth.PermConversations, Handler: s.markRead, Tag: "conversations", Summary: "Record that you have read up to a message",
			Body: readRequest{}, Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/conversations/ws", Perm: auth.PermConversations, Handler: s.agentWS, Tag: "realtime", Summary: "Agents' realtime WebSocket (see docs/protocol.md)", Raw: true},

		{Method: "POST", Path: "/api/v1/widget/session", Public: true, Handler: s.widgetSession, Tag: "widget", Summary: "Open or resume a widget session; identify a shop customer with a signed external_id",
			Body: conversation.SessionRequest{}, Response: conversation.SessionResponse{}},
		{Method: "GET", Path: "/api/v1/widget/conversations", Public: true, Handler: s.widgetConversations, Tag: "widget", Summary: "The visitor's conversations (X-Visitor-Token)",
			Response: listResponse[conversation.CustomerConversation]{}},
		{Method: "POST", Path: "/api/v1/widget/conversations", Public: true, Handler: s.widgetStart, Tag: "widget", Summary: "Start a conversation (X-Visitor-Token)",
			Body: widgetStartRequest{}, Response: conversation.CustomerConversation{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/widget/conversations/{id}/messages", Public: true, Handler: s.widgetMessages, Tag: "widget", Summary: "Messages of the visitor's conversation (no internal notes)",
			Query: msgQuery, Response: messagesResponse[conversation.CustomerMessage]{}},
		{Method: "POST", Path: "/api/v1/widget/conversations/{id}/messages", Public: true, Handler: s.widgetPost, Tag: "widget", Summary: "Send a message as the visitor; idempotent on client_msg_id",
			Body: widgetPostRequest{}, Response: postMessageResponse[conversation.CustomerMessage]{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/widget/ws", Public: true, Handler: s.widgetWS, Tag: "realtime", Summary: "The widget's realtime WebSocket; ?visitor_token=… (see docs/protocol.md)", Raw: true,
			Query: []Param{{Name: "visitor_token", Type: "string", Description: "from POST /api/v1/widget/session"}}},
		{Method: "GET", Path: "/api/v1/widget/identity-secret", Perm: auth.PermSettingsWrite, Handler: s.identitySecret, Tag: "widget", Summary: "The secret a shop's server signs customer ids with (audited)",
			Response: identitySecretResponse{}},
	}
}

type messagesResponse[T any] struct {
	Items []T `json:"items"`
	// NextAfterID is the cursor for the next call (the last id returned, or after_id).
	NextAfterID int64 `json:"next_after_id"`
	HasMore     bool  `json:"has_more"`
}

type postMessageRequest struct {
	Body        string `json:"body"`
	ContentType string `json:"content_type"` // text (default), card, or image / voice with attachment_ids
	Payload     any    `json:"payload"`
	// AttachmentIDs are the uploads an image or voice message carries
	// (POST /api/v1/conversations/{id}/attachments first).
	AttachmentIDs []int64 `json:"attachment_ids"`
	Internal      bool    `json:"internal"`      // an internal note, never shown to the customer
	ClientMsgID   string  `json:"client_msg_id"` // idempotency key: resending returns the stored message
	// Sender is "agent" (default: you) or "customer" for a shop server relaying what its
	// customer wrote in the shop's own app.
	Sender string `json:"sender"`
}

type postMessageResponse[T any] struct {
	Message   T    `json:"message"`
	Duplicate bool `json:"duplicate"`
}

type readRequest struct {
	MessageID int64 `json:"message_id"`
}

type widgetStartRequest struct {
	Subject string `json:"subject"`
	Lang    string `json:"lang"`
}

type widgetPostRequest struct {
	Body        string `json:"body"`
	ClientMsgID string `json:"client_msg_id"`
	// ContentType is text (default), image or voice; image and voice name their uploads
	// (POST /api/v1/widget/conversations/{id}/attachments) in AttachmentIDs.
	ContentType   string  `json:"content_type"`
	AttachmentIDs []int64 `json:"attachment_ids"`
}

type identitySecretResponse struct {
	Secret    string `json:"secret"`
	Algorithm string `json:"algorithm"`
	Usage     string `json:"usage"`
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, conversation.Sorts, "-id")
	if err != nil {
		return err
	}
	var f conversation.Filter
	if f.Status, err = queryEnum(r, "status", conversation.Statuses...); err != nil {
		return err
	}
	if f.HandledBy, err = queryEnum(r, "handled_by", conversation.HandledBy...); err != nil {
		return err
	}
	if r.URL.Query().Get("assignee_id") == "unassigned" {
		f.Unassigned = true
	} else if f.AssigneeID, err = queryID(r, "assignee_id"); err != nil {
		return apperr.Invalid("assignee_id", `must be an agent id or "unassigned"`)
	}
	if r.URL.Query().Get("team_id") == "mine" {
		f.MemberOf = principal(r).User.ID
	} else if f.TeamID, err = queryID(r, "team_id"); err != nil {
		return apperr.Invalid("team_id", `must be a team id or "mine"`)
	}
	if f.CustomerID, err = queryID(r, "customer_id"); err != nil {
		return err
	}
	items, err := s.Services.Conversations.List(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

func (s *Server) conversationCounts(w http.ResponseWriter, r *http.Request) error {
	status, err := queryEnum(r, "status", conversation.Statuses...)
	if err != nil {
		return err
	}
	counts, err := s.Services.Conversations.CountQueues(r.Context(), principal(r).User.ID, status)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, counts)
	return nil
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request) error {
	var in conversation.NewConversation
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := s.Services.Conversations.Create(r.Context(), s.DB, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Services.Conversations.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) updateConversation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in conversation.Update
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Services.Conversations.UpdateConversation(r.Context(), s.DB, id, in); err != nil {
		return err
	}
	s.audit(r, "conversation.update", "conversation", id, nil)
	c, err := s.Services.Conversations.Get(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// messageWindow reads after_id and limit.
func messageWindow(r *http.Request) (afterID int64, limit int, err error) {
	if v := r.URL.Query().Get("after_id"); v != "" {
		afterID, err = strconv.ParseInt(v, 10, 64)
		if err != nil || afterID < 0 {
			return 0, 0, apperr.Invalid("after_id", "must be 0 or a message id")
		}
	}
	limit = conversation.MaxPage
	if v := r.URL.Query().Get("limit"); v != "" {
		limit, err = strconv.Atoi(v)
		if err != nil || limit < 1 || limit > conversation.MaxPage {
			return 0, 0, apperr.Invalid("limit", "must be a whole number from 1 to 200")
		}
	}
	return afterID, limit, nil
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	afterID, limit, err := messageWindow(r)
	if err != nil {
		return err
	}
	if _, err := s.Services.Conversations.Get(r.Context(), id); err != nil {
		return err
	}
	ms, err := s.Services.Conversations.Messages(r.Context(), id, afterID, limit+1, true)
	if err != nil {
		return err
	}
	out := messagesResponse[conversation.Message]{Items: []conversation.Message{}, NextAfterID: afterID, HasMore: len(ms) > limit}
	for i, m := range ms {
		if i == limit {
			break
		}
		out.Items = append(out.Items, *m)
		out.NextAfterID = m.ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in postMessageRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	p := principal(r)
	nm := conversation.NewMessage{ConversationID: id, ContentType: in.ContentType, Body: in.Body, Payload: in.Payload, Internal: in.Internal, ClientMsgID: in.ClientMsgID,
		AttachmentIDs: in.AttachmentIDs}
	switch in.Sender {
	case "", "agent":
		nm.SenderKind, nm.SenderID = "agent", p.User.ID
	case "customer":
		// Relaying a customer's words is for a shop's server (an API token); people signed in
		// to the workspace must not be able to speak as the customer.
		if p.SessionID != 0 {
			return apperr.Forbidden("only API tokens (server-side integrations) may send as the customer")
		}
		nm.SenderKind = "customer"
	default:
		return apperr.Invalid("sender", "must be agent or customer")
	}
	if ok, wait := s.Services.Conversations.AllowSend("u:" + strconv.FormatInt(p.User.ID, 10)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return apperr.New(http.StatusTooManyRequests, "rate_limited", "too many messages; slow down")
	}
	m, dup, err := s.Services.Conversations.Post(r.Context(), nm)
	if err != nil {
		return err
	}
	if !dup {
		s.Services.Conversations.Respond(r.Context(), m)
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	writeJSON(w, status, postMessageResponse[conversation.Message]{Message: *m, Duplicate: dup})
	return nil
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in readRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.MessageID <= 0 {
		return apperr.Invalid("message_id", "must be a positive message id")
	}
	if err := s.Services.Conversations.MarkRead(r.Context(), id, "agent", principal(r).User.ID, in.MessageID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) agentWS(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	return s.Services.Conversations.ServeWS(w, r, conversation.Participant{Kind: "agent", UserID: p.User.ID,
		CanWrite: auth.Can(p.User.Role, auth.PermConversationsW)})
}

// visitor resolves the widget's visitor token (header X-Visitor-Token).
func (s *Server) visitor(r *http.Request) (*conversation.Visitor, error) {
	token := strings.TrimSpace(r.Header.Get("X-Visitor-Token"))
	if token == "" {
		return nil, apperr.Unauthorized("send the visitor token from POST /api/v1/widget/session in the X-Visitor-Token header")
	}
	return s.Services.Conversations.VisitorByToken(r.Context(), token)
}

func (s *Server) widgetSession(w http.ResponseWriter, r *http.Request) error {
	var in conversation.SessionRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	out, _, err := s.Services.Conversations.OpenSession(r.Context(), in, clientIP(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) widgetConversations(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitor(r)
	if err != nil {
		return err
	}
	cs, err := s.Services.Conversations.VisitorConversations(r.Context(), v)
	if err != nil {
		return err
	}
	out := listResponse[conversation.CustomerConversation]{Items: []conversation.CustomerConversation{}, Limit: 50}
	for _, c := range cs {
		out.Items = append(out.Items, c.ForCustomer())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) widgetStart(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitor(r)
	if err != nil {
		return err
	}
	var in widgetStartRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Lang != "" && in.Lang != "zh" && in.Lang != "en" {
		return apperr.Invalid("lang", "must be zh or en")
	}
	if ok, _ := s.Services.Conversations.AllowSend(v.Key()); !ok {
		return apperr.New(http.StatusTooManyRequests, "rate_limited", "too many requests; slow down")
	}
	c, err := s.Services.Conversations.StartVisitorConversation(r.Context(), v, in.Subject, in.Lang)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c.ForCustomer())
	return nil
}

func (s *Server) widgetMessages(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitor(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	afterID, limit, err := messageWindow(r)
	if err != nil {
		return err
	}
	if _, err := s.Services.Conversations.VisitorConversation(r.Context(), v, id); err != nil {
		return err
	}
	ms, err := s.Services.Conversations.Messages(r.Context(), id, afterID, limit+1, false)
	if err != nil {
		return err
	}
	out := messagesResponse[conversation.CustomerMessage]{Items: []conversation.CustomerMessage{}, NextAfterID: afterID, HasMore: len(ms) > limit}
	for i, m := range ms {
		if i == limit {
			break
		}
		out.Items = append(out.Items, m.ForCustomer())
		out.NextAfterID = m.ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) widgetPost(w http.ResponseWriter, r *http.Request) error {
	v, err := s.visitor(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in widgetPostRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if _, err := s.Services.Conversations.VisitorConversation(r.Context(), v, id); err != nil {
		return err
	}
	if ok, wait := s.Services.Conversations.AllowSend(v.Key()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return apperr.New(http.StatusTooManyRequests, "rate_limited", "too many messages; slow down")
	}
	switch in.ContentType {
	case "", "text", "image", "voice":
	default:
		return apperr.Invalid("content_type", "must be text, image or voice")
	}
	if (in.ContentType == "image" || in.ContentType == "voice") && len(in.AttachmentIDs) == 0 {
		return apperr.Invalid("attachment_ids", "an image or voice message names its upload: POST the file to /api/v1/widget/conversations/{id}/attachments first, then send its id")
	}
	m, dup, err := s.Services.Conversations.Post(r.Context(), conversation.NewMessage{ConversationID: id, SenderKind: "customer", Body: in.Body, ClientMsgID: in.ClientMsgID,
		ContentType: in.ContentType, AttachmentIDs: in.AttachmentIDs})
	if err != nil {
		return err
	}
	if !dup {
		s.Services.Conversations.Respond(r.Context(), m)
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	writeJSON(w, status, postMessageResponse[conversation.CustomerMessage]{Message: m.ForCustomer(), Duplicate: dup})
	return nil
}

func (s *Server) widgetWS(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("visitor_token")
	if token == "" {
		token = r.Header.Get("X-Visitor-Token")
	}
	if token == "" {
		return apperr.Unauthorized("pass the visitor token from POST /api/v1/widget/session as ?visitor_token=")
	}
	v, err := s.Services.Conversations.VisitorByToken(r.Context(), token)
	if err != nil {
		return err
	}
	return s.Services.Conversations.ServeWS(w, r, conversation.Participant{Kind: "customer", Visitor: v})
}

func (s *Server) identitySecret(w http.ResponseWriter, r *http.Request) error {
	secret, err := s.Services.Conversations.IdentitySecret(r.Context())
	if err != nil {
		return err
	}
	s.audit(r, "widget.identity_secret.read", "settings", 0, nil)
	writeJSON(w, http.StatusOK, identitySecretResponse{Secret: secret, Algorithm: "HMAC-SHA256",
		Usage: "on your server: signature = lowercase hex of HMAC-SHA256(key=secret, message=external_id); pass external_id and signature to POST /api/v1/widget/session"})
	return nil
}
