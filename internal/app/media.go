package app

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"kefu/internal/bot"
	"kefu/internal/config"
	"kefu/internal/conversation"
	"kefu/internal/i18n"
	"kefu/internal/jobs"
	"kefu/internal/media"
	"kefu/internal/store"
)

// Customers write "by text, photo or voice". A photo or voice message is stored at once and
// acknowledged like any message; its words come later: tesseract reads a photo, ffmpeg +
// pocketsphinx transcribe English voice. This file runs that extraction off the chat path
// and then hands the message to the bot as if the customer had typed the words:
//
//   - in-process, by a small bounded pool (mediaWorkers at a time), so a reply follows within
//     seconds and a slow OCR never blocks the chat or other conversations;
//   - durably, by a MediaExtractJob queued in the message's own transaction to run a little
//     later: if this process dies before the pool gets to the message, any instance picks it
//     up. Whoever records the result first answers the customer; the other finds it done.
const (
	MediaExtractJob = "media.extract"
	// mediaSafetyDelay is when the durable job runs if the pool has not finished by then.
	mediaSafetyDelay = 3 * time.Minute
	mediaWorkers     = 2
	mediaQueue       = 256
)

// mediaPipeline implements conversation.AttachmentHandler and runs the extraction.
type mediaPipeline struct {
	a     *App
	tools media.Tools

	queue   chan mediaTask
	running atomic.Int32
	mu      sync.Mutex
	active  map[int64]bool // messages being extracted in this process
}

type mediaTask struct{ conversationID, messageID int64 }

// MediaTools maps the configuration to the extraction tools.
func MediaTools(c config.MediaTools) media.Tools {
	t := media.DefaultTools()
	t.OCRCmd, t.OCRLangs, t.FFmpegCmd, t.STTCmd, t.STTModel = c.OCRCmd, c.OCRLangs, c.FFmpegCmd, c.STTCmd, c.STTModel
	if c.Timeout > 0 {
		t.Timeout = c.Timeout
	}
	return t
}

// wireMedia plugs photo and voice messages into the conversation service, the API, the bot
// and the job queue.
func (a *App) wireMedia() {
	a.Media.Key = []byte(a.PII.Hash("attachment-url", "key"))
	a.mediaPipe = &mediaPipeline{a: a, tools: MediaTools(config.DefaultMediaTools()), queue: make(chan mediaTask, mediaQueue), active: map[int64]bool{}}
	a.Conversations.Attachments = a.mediaPipe
	a.Server.Services.Media = a.Media
	if r, ok := a.Conversations.Responder().(*botResponder); ok {
		a.Conversations.SetResponder(&mediaResponder{next: r, a: a})
	}
	a.Jobs.Handle(MediaExtractJob, func(ctx context.Context, j *jobs.Job) error {
		var t mediaTask
		var p struct {
			ConversationID int64 `json:"conversation_id"`
			MessageID      int64 `json:"message_id"`
		}
		if err := j.Decode(&p); err != nil || p.MessageID <= 0 {
			return jobs.Permanent(errors.New("media.extract: bad payload"))
		}
		t = mediaTask{p.ConversationID, p.MessageID}
		return a.mediaPipe.process(ctx, t)
	})
}

// SetMediaTools replaces the programs used (from the configuration) and logs which features
// work on this host.
func (a *App) SetMediaTools(t media.Tools) {
	a.mediaPipe.tools = t
	ocr, stt := t.Check()
	if ocr != nil {
		a.Log.Warn("photo text recognition (OCR) is off; photos go to agents as they are — install tesseract-ocr and tesseract-ocr-chi-sim or set KEFU_OCR_CMD", "err", ocr)
	}
	if stt != nil {
		a.Log.Warn("English speech recognition is off; voice messages go to agents — install ffmpeg, pocketsphinx and pocketsphinx-en-us or set KEFU_STT_CMD/KEFU_FFMPEG_CMD/KEFU_STT_MODEL", "err", stt)
	}
}

func mediaJobKey(messageID int64) string {
	return MediaExtractJob + ":" + strconv.FormatInt(messageID, 10)
}

// Attach checks and ties the uploads to the message and queues the durable extraction job,
// all in the message's transaction.
func (p *mediaPipeline) Attach(ctx context.Context, tx *store.Tx, conversationID, messageID int64, contentType string, ids []int64) (json.RawMessage, error) {
	refs, err := p.a.Media.Attach(ctx, tx, conversationID, messageID, contentType, ids)
	if err != nil {
		return nil, err
	}
	err = jobs.Enqueue(ctx, tx, MediaExtractJob, map[string]int64{"conversation_id": conversationID, "message_id": messageID},
		jobs.Options{UniqueKey: mediaJobKey(messageID), RunAt: time.Now().Add(mediaSafetyDelay), MaxAttempts: 3})
	return refs, err
}

// Posted hands the committed message to the pool; when the pool is full the durable job
// does it a little later.
func (p *mediaPipeline) Posted(ctx context.Context, m *conversation.Message) {
	select {
	case p.queue <- mediaTask{m.ConversationID, m.ID}:
	default:
		p.a.Log.Warn("media extraction busy; the message waits for its durable job", "message", m.ID)
		return
	}
	// Workers start on demand and stop when idle, so an app that never sees a photo runs none.
	for {
		n := p.running.Load()
		if n >= mediaWorkers || p.running.CompareAndSwap(n, n+1) {
			if n < mediaWorkers {
				go p.work()
			}
			return
		}
	}
}

func (p *mediaPipeline) work() {
	defer p.running.Add(-1)
	idle := time.NewTimer(30 * time.Second)
	defer idle.Stop()
	for {
		select {
		case t := <-p.queue:
			ctx := context.Background()
			if err := p.process(ctx, t); err != nil {
				p.a.Log.Warn("media extraction failed; its durable job retries", "message", t.messageID, "err", err)
			} else {
				jobs.Cancel(ctx, p.a.DB, mediaJobKey(t.messageID))
			}
			idle.Reset(30 * time.Second)
		case <-idle.C:
			return
		}
	}
}

// process extracts the words of one message, records them, and runs the bot on them.
func (p *mediaPipeline) process(ctx context.Context, t mediaTask) error {
	p.mu.Lock()
	if p.active[t.messageID] {
		p.mu.Unlock()
		return nil // the other path of this process has it
	}
	p.active[t.messageID] = true
	p.mu.Unlock()
	defer func() { p.mu.Lock(); delete(p.active, t.messageID); p.mu.Unlock() }()

	a := p.a
	m, err := a.message(ctx, t.conversationID, t.messageID)
	if err != nil || m == nil || media.Processed(m.Payload) {
		return err
	}
	if m.SenderKind != "customer" {
		// Staff photos need no reading: the bot answers customers only, and agents can see
		// what they sent. Recording "skipped" ends the workspace's wait for the text.
		_, err := a.Media.Record(ctx, m.ID, nil, media.Result{Status: "skipped", Note: "sent by staff: not read"})
		return err
	}
	conv, err := a.Conversations.Get(ctx, m.ConversationID)
	if err != nil {
		return err
	}
	atts, err := a.Media.OfMessage(ctx, m.ID)
	if err != nil {
		return err
	}
	res, texts := p.extract(ctx, m.ContentType, conv.Lang, atts)
	recorded, err := a.Media.Record(ctx, m.ID, texts, res)
	if err != nil || !recorded {
		return err
	}
	if m, err = a.message(ctx, t.conversationID, t.messageID); err != nil || m == nil {
		return err
	}
	a.Conversations.Respond(ctx, m)
	return nil
}

// extract runs the tools. Failures become a status and a note for agents, never an error:
// the customer's message must reach someone either way.
func (p *mediaPipeline) extract(ctx context.Context, contentType, lang string, atts []*media.Attachment) (media.Result, map[int64]string) {
	log := p.a.Log
	texts := map[int64]string{}
	res := media.Result{Status: "done"}
	note := func(err error) {
		if errors.Is(err, media.ErrUnavailable) {
			res.Status, res.Note = "unavailable", err.Error()
			log.Warn("media tool missing; the message goes to an agent as it is", "err", err)
		} else {
			res.Status, res.Note = "failed", err.Error()
			log.Warn("media extraction failed", "err", err)
		}
	}
	switch contentType {
	case "image":
		var parts []string
		for _, a := range atts {
			text, err := p.tools.OCR(ctx, p.a.Media.Path(a))
			if err != nil {
				note(err)
				break
			}
			texts[a.ID] = text
			if text != "" {
				parts = append(parts, text)
			}
		}
		res.OCRText = clipRunes(strings.Join(parts, "\n"), 4000)
	case "voice":
		if !speechSupported(lang) {
			// Offline recognition exists for English only; guessing at Chinese would feed the
			// bot nonsense. An agent listens instead.
			res.Status, res.Note = "skipped", "no offline speech recognition for "+langOr(lang, "zh")
			return res, texts
		}
		for _, a := range atts {
			text, err := p.tools.Transcribe(ctx, p.a.Media.Path(a))
			if err != nil {
				note(err)
				break
			}
			texts[a.ID] = text
			res.Transcript, res.Lang = clipRunes(text, 2000), "en"
		}
	}
	return res, texts
}

func speechSupported(lang string) bool { return strings.EqualFold(strings.TrimSpace(lang), "en") }

func langOr(l, def string) string {
	if l == "" {
		return def
	}
	return l
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// message loads one message of a conversation (internal notes included).
func (a *App) message(ctx context.Context, conversationID, id int64) (*conversation.Message, error) {
	ms, err := a.Conversations.Messages(ctx, conversationID, id-1, 1, true)
	if err != nil || len(ms) == 0 || ms[0].ID != id {
		return nil, err
	}
	return ms[0], nil
}

// mediaResponder puts the words of photos and voice messages in front of the bot. Before
// extraction it answers nothing (the pool calls Respond again when the words are in); after,
// the bot sees the recognised text as the customer's words, or the photo as a photo.
type mediaResponder struct {
	next *botResponder
	a    *App
}

func (r *mediaResponder) OnCustomerMessage(ctx context.Context, conv *conversation.Conversation, msg *conversation.Message) (conversation.Turn, error) {
	if (msg.ContentType != "image" && msg.ContentType != "voice") || !carriesUploads(msg.Attachments) {
		return r.next.OnCustomerMessage(ctx, conv, msg)
	}
	if !media.Processed(msg.Payload) {
		return conversation.Turn{}, nil
	}
	var res media.Result
	json.Unmarshal(msg.Payload, &res)
	fed := *msg
	switch msg.ContentType {
	case "image":
		st := bot.LoadState(conv.BotState)
		var u bot.Understanding
		if res.OCRText != "" {
			u = r.next.bot.NLU.Understand(ctx, res.OCRText)
		}
		if text, ok := photoWords(st, res.OCRText, u, r.next.bot.Policy.MinConfidence); ok {
			fed.Body = text
		}
		return r.next.OnCustomerMessage(ctx, conv, &fed)
	default: // voice
		if strings.TrimSpace(res.Transcript) != "" {
			fed.Body = res.Transcript
			return r.next.OnCustomerMessage(ctx, conv, &fed)
		}
		outs, err := r.voiceToAgent(ctx, conv, msg, res)
		return conversation.Turn{Messages: outs}, err
	}
}

func carriesUploads(raw json.RawMessage) bool {
	var refs []media.Ref
	return json.Unmarshal(raw, &refs) == nil && len(refs) > 0 && refs[0].ID > 0
}

// photoWords decides whether the text recognised on a photo speaks for the customer. A photo
// sent while an after-sales request is open is evidence, whatever is printed on it; otherwise
// the text counts when it names an order or a parcel (a screenshot of an order page) or when
// NLU is confident what it asks (a screenshot of an error message). Anything else — a product
// label, a few stray letters — leaves the photo a photo.
func photoWords(st bot.State, text string, u bot.Understanding, minConfidence float64) (string, bool) {
	text = strings.TrimSpace(text)
	if text == "" || aftersalesIntents[st.Flow] {
		return "", false
	}
	for _, e := range u.Entities {
		if e.Type == "order_number" || e.Type == "tracking_number" {
			return text, true
		}
	}
	if u.Intent != "" && u.Intent != "oos" && u.Confidence >= minConfidence && utf8.RuneCountInString(text) >= 4 {
		return text, true
	}
	return "", false
}

var voiceToAgentText = i18n.Text{
	ZH: "抱歉，目前还无法自动识别中文语音。已为您转接人工客服，客服会收听您的语音后尽快回复；您也可以直接输入文字描述问题。",
	EN: "Sorry, I couldn't understand that voice message automatically. I've passed it to a colleague who will listen and reply shortly; you can also type your question.",
}

// voiceToAgent is the polite answer to a voice message the bot cannot hear (Chinese speech,
// no speech tools, nothing recognised): an agent takes the conversation with the recording.
func (r *mediaResponder) voiceToAgent(ctx context.Context, conv *conversation.Conversation, msg *conversation.Message, res media.Result) ([]conversation.Outgoing, error) {
	lang := "zh"
	if strings.EqualFold(conv.Lang, "en") {
		lang = "en"
	}
	out := []conversation.Outgoing{{ContentType: "text", Body: voiceToAgentText.In(lang), Lang: lang, Intent: "voice_message"}}
	if r.next.bot.Handoff == nil {
		return out, nil
	}
	req := bot.HandoffRequest{ConversationID: conv.ID, Lang: lang, Reason: "voice_message", ReasonText: "voice message the bot cannot transcribe: " + langOr(res.Note, res.Status),
		LastMessage: msg.Body, Attempts: []string{"voice message: " + res.Status}}
	if conv.CustomerID != nil {
		req.CustomerID = *conv.CustomerID
	}
	agent := "agent"
	u := conversation.Update{HandledBy: &agent}
	h, err := r.next.bot.Handoff.HandOff(ctx, req)
	if err != nil {
		// Without a ticket the conversation still goes to the people's queue: the customer
		// was promised a person.
		r.a.Log.Error("voice message handoff: ticket not created", "conversation", conv.ID, "err", err)
		h = &bot.HandoffResult{}
	}
	if h.TeamID != 0 {
		u.TeamID = &h.TeamID
	}
	if h.AssigneeID != 0 {
		u.AssigneeID = &h.AssigneeID
	}
	if err := r.a.Conversations.UpdateConversation(ctx, r.a.DB, conv.ID, u); err != nil {
		return nil, err
	}
	return out, nil
}
