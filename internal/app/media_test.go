package app_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"kefu/internal/app"
	"kefu/internal/app/apptest"
	"kefu/internal/commerce"
	"kefu/internal/config"
	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
	"kefu/internal/media/mediatest"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// visitorClient is the widget's side of the API, over real HTTP.
type visitorClient struct {
	t     *testing.T
	base  string
	token string
	conv  int64
}

func newVisitor(t *testing.T, env *apptest.Env, lang string) *visitorClient {
	t.Helper()
	v := &visitorClient{t: t, base: env.Server.URL}
	var s struct {
		VisitorToken string `json:"visitor_token"`
	}
	v.call("POST", "/api/v1/widget/session", map[string]string{"lang": lang}, 200, &s)
	v.token = s.VisitorToken
	var c struct{ ID int64 }
	v.call("POST", "/api/v1/widget/conversations", map[string]string{"lang": lang}, 201, &c)
	v.conv = c.ID
	return v
}

func (v *visitorClient) do(method, path, contentType string, body io.Reader) (int, []byte) {
	v.t.Helper()
	req, _ := http.NewRequest(method, v.base+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if v.token != "" {
		req.Header.Set("X-Visitor-Token", v.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

func (v *visitorClient) call(method, path string, body any, want int, out any) {
	v.t.Helper()
	b, _ := json.Marshal(body)
	status, raw := v.do(method, path, "application/json", bytes.NewReader(b))
	if status != want {
		v.t.Fatalf("%s %s: %d %s, want %d", method, path, status, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			v.t.Fatal(err)
		}
	}
}

type uploaded struct {
	ID   int64  `json:"id"`
	Kind string `json:"kind"`
	MIME string `json:"mime"`
	URL  string `json:"url"`
	Name string `json:"name"`
}

// upload sends a file as the widget does (multipart, part "file"), returning status and body.
func (v *visitorClient) upload(conv int64, name string, data []byte) (int, []byte) {
	v.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, _ := w.CreateFormFile("file", name)
	part.Write(data)
	w.Close()
	return v.do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/attachments", conv), w.FormDataContentType(), &b)
}

func (v *visitorClient) mustUpload(name string, data []byte) uploaded {
	v.t.Helper()
	status, raw := v.upload(v.conv, name, data)
	if status != 201 {
		v.t.Fatalf("upload %s: %d %s", name, status, raw)
	}
	var u uploaded
	json.Unmarshal(raw, &u)
	return u
}

type wireMessage struct {
	ID          int64           `json:"id"`
	SenderKind  string          `json:"sender_kind"`
	ContentType string          `json:"content_type"`
	Body        string          `json:"body"`
	Payload     json.RawMessage `json:"payload"`
	Attachments json.RawMessage `json:"attachments"`
}

func (v *visitorClient) messages() []wireMessage {
	var out struct{ Items []wireMessage }
	v.call("GET", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv), nil, 200, &out)
	return out.Items
}

// waitFor polls the conversation until ok holds for its messages (the extraction and the bot
// run in the background).
func (v *visitorClient) waitFor(what string, ok func([]wireMessage) bool) []wireMessage {
	v.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		ms := v.messages()
		if ok(ms) {
			return ms
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("timed out waiting for %s; messages: %+v", what, ms)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func seedShippedOrder(t *testing.T, env *apptest.Env, number, tracking string) {
	t.Helper()
	seedOrder(t, env, number, tracking, "shipped", "")
}

// seedOrder creates a customer (with a shop id when externalID is set) and their order.
func seedOrder(t *testing.T, env *apptest.Env, number, tracking, status, externalID string) {
	t.Helper()
	ctx := context.Background()
	a := env.App
	err := a.DB.Tx(ctx, func(tx *store.Tx) error {
		if _, err := a.Commerce.UpsertCategory(ctx, tx, commerce.Category{Slug: "digital", NameZH: "数码", NameEN: "Electronics"}); err != nil {
			return err
		}
		if _, err := a.Commerce.CreateProduct(ctx, tx, commerce.NewProduct{SKU: "DIG-EAR-02", TitleZH: "无线降噪耳机", TitleEN: "Wireless earbuds", Category: "digital", PriceCents: 89900, Stock: 5}); err != nil {
			return err
		}
		customer, err := store.InsertID(ctx, tx, `INSERT INTO customers (external_id, name, tier, lang, created_at) VALUES (?, 'Ryan Evans', 'regular', 'en', ?) RETURNING id`, nullable(externalID), time.Now())
		if err != nil {
			return err
		}
		placed := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
		shipped := placed.Add(20 * time.Hour)
		var delivered *time.Time
		if status == "delivered" {
			d := placed.Add(48 * time.Hour)
			delivered = &d
		}
		_, err = a.Commerce.CreateOrder(ctx, tx, commerce.NewOrder{Number: number, CustomerID: customer, Status: status, DeliveredAt: delivered, PaymentStatus: "paid", PaymentMethod: "alipay",
			ShipTo:   commerce.Address{Recipient: "王小明", Phone: "13800001111", Province: "浙江省", City: "杭州市", District: "西湖区", Line: "文三路 100 号"},
			PlacedAt: placed, PaidAt: &placed, ShippedAt: &shipped,
			Items:     []commerce.NewItem{{SKU: "DIG-EAR-02", Title: "无线降噪耳机", Qty: 1, UnitPriceCents: 89900}},
			Shipments: []commerce.NewShipment{{Direction: "outbound", Carrier: "sf", CarrierName: "顺丰速运", TrackingNumber: tracking, Status: "in_transit", ShippedAt: &shipped}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newIdentifiedVisitor opens a widget session for the shop customer externalID, signed with
// the identity secret as the shop's server would.
func newIdentifiedVisitor(t *testing.T, env *apptest.Env, externalID, lang string) *visitorClient {
	t.Helper()
	var secret struct{ Secret string }
	env.JSON(t, "admin", "GET", "/api/v1/widget/identity-secret", nil, 200, &secret)
	mac := hmac.New(sha256.New, []byte(secret.Secret))
	mac.Write([]byte(externalID))
	v := &visitorClient{t: t, base: env.Server.URL}
	var s struct {
		VisitorToken string `json:"visitor_token"`
	}
	v.call("POST", "/api/v1/widget/session", map[string]string{"lang": lang, "external_id": externalID, "signature": hex.EncodeToString(mac.Sum(nil))}, 200, &s)
	v.token = s.VisitorToken
	var c struct{ ID int64 }
	v.call("POST", "/api/v1/widget/conversations", map[string]string{"lang": lang}, 201, &c)
	v.conv = c.ID
	return v
}

func payloadField(raw json.RawMessage, key string) string {
	var p map[string]any
	json.Unmarshal(raw, &p)
	s, _ := p[key].(string)
	return s
}

// TestScreenshotOfOrderIsAnsweredWithItsStatus: a customer sends only a photo of their order
// page; tesseract reads the order number, the text is stored on the message, and the bot
// answers with the order's status and tracking number — on both databases, with the real
// OCR program.
func TestScreenshotOfOrderIsAnsweredWithItsStatus(t *testing.T) {
	mediatest.NeedTools(t, "tesseract")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		if env.App.Bot == nil {
			t.Skip("NLU models unavailable: the bot is off")
		}
		env.App.Media.Dir = t.TempDir()
		const number, tracking = "KF20261101001", "SF1234567890123"
		seedShippedOrder(t, env, number, tracking)
		v := newVisitor(t, env, "en")
		png := mediatest.TextPNG(t, "My orders", "Order No. "+number, "Status: shipped")
		up := v.mustUpload("../../etc/screen\u202eshot.png", png)
		if up.Kind != "image" || up.MIME != "image/png" || !strings.HasPrefix(up.URL, "/api/v1/media/") || up.Name != "screenshot.png" {
			t.Fatalf("upload answer: %+v", up)
		}
		var sent struct{ Message wireMessage }
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv),
			map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}, "client_msg_id": "photo-1"}, 201, &sent)
		if sent.Message.ContentType != "image" || !strings.Contains(string(sent.Message.Attachments), up.URL) {
			t.Fatalf("sent: %+v", sent.Message)
		}
		ms := v.waitFor("the bot's answer with the tracking number", func(ms []wireMessage) bool {
			for _, m := range ms {
				if m.SenderKind == "bot" && strings.Contains(string(m.Payload)+m.Body, tracking) {
					return true
				}
			}
			return false
		})
		if ocr := payloadField(ms[0].Payload, "ocr_text"); !strings.Contains(ocr, number) || payloadField(ms[0].Payload, "media_status") != "done" {
			t.Errorf("the photo message does not carry its text: %s", ms[0].Payload)
		}
		a, err := env.App.Media.Get(context.Background(), up.ID)
		if err != nil || !strings.Contains(a.ExtractedText, number) || a.MessageID == nil || *a.MessageID != ms[0].ID {
			t.Errorf("attachment after OCR: %+v %v", a, err)
		}
		// The signed URL serves the photo without any credentials; a wrong signature is a 404.
		res, err := http.Get(env.Server.URL + up.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(body, png) || res.Header.Get("Content-Type") != "image/png" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %s", up.URL, res.StatusCode, res.Header)
		}
		if res, _ := http.Get(env.Server.URL + fmt.Sprintf("/api/v1/media/%d/%032d", up.ID, 0)); res.StatusCode != 404 {
			t.Errorf("forged signature: %d", res.StatusCode)
		}
	})
}

// TestEnglishVoiceIsTranscribedForTheBot: a WebM/Opus recording of "where is my order" is
// converted by ffmpeg, recognised by pocketsphinx, stored, and the bot answers it (asking
// which order) as if it had been typed.
func TestEnglishVoiceIsTranscribedForTheBot(t *testing.T) {
	mediatest.NeedTools(t, "ffmpeg", "pocketsphinx_continuous", "flite")
	speech := mediatest.SpeechWebM(t, "where is my order")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		if env.App.Bot == nil {
			t.Skip("NLU models unavailable: the bot is off")
		}
		env.App.Media.Dir = t.TempDir()
		v := newVisitor(t, env, "en")
		up := v.mustUpload("voice.webm", speech)
		if up.Kind != "voice" || up.MIME != "audio/webm" {
			t.Fatalf("upload: %+v", up)
		}
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv),
			map[string]any{"content_type": "voice", "attachment_ids": []int64{up.ID}}, 201, nil)
		ms := v.waitFor("a bot reply", func(ms []wireMessage) bool { return len(ms) > 1 && ms[len(ms)-1].SenderKind == "bot" })
		if tr := payloadField(ms[0].Payload, "transcript"); tr != "where is my order" {
			t.Errorf("transcript %q (payload %s)", tr, ms[0].Payload)
		}
		// Agents see what the bot understood: the voice message is annotated as an order question.
		var staff struct{ Items []conversation.Message }
		env.JSON(t, "agent", "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", v.conv), nil, 200, &staff)
		if staff.Items[0].Intent != "order_status" {
			t.Errorf("voice message intent %q, want order_status (bot replied %q)", staff.Items[0].Intent, ms[len(ms)-1].Body)
		}
	})
}

// TestChineseVoiceGoesToAnAgentPolitely: there is no offline Chinese speech recognition, so
// the customer is told so in Chinese and the conversation goes to people with a ticket.
func TestChineseVoiceGoesToAnAgentPolitely(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		if env.App.Bot == nil {
			t.Skip("NLU models unavailable: the bot is off")
		}
		env.App.Media.Dir = t.TempDir()
		v := newVisitor(t, env, "zh")
		wav := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"), make([]byte, 3200)...)
		up := v.mustUpload("语音.wav", wav)
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv),
			map[string]any{"content_type": "voice", "attachment_ids": []int64{up.ID}}, 201, nil)
		ms := v.waitFor("the bot's apology", func(ms []wireMessage) bool { return len(ms) > 1 && ms[len(ms)-1].SenderKind == "bot" })
		if reply := ms[len(ms)-1].Body; !strings.Contains(reply, "中文语音") || !strings.Contains(reply, "人工客服") {
			t.Errorf("reply %q", reply)
		}
		c, err := env.App.Conversations.Get(context.Background(), v.conv)
		if err != nil || c.HandledBy != "agent" {
			t.Fatalf("conversation after a Chinese voice message: %+v %v", c, err)
		}
		var n int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM tickets WHERE conversation_id = ?`, v.conv).Scan(&n)
		if n != 1 {
			t.Errorf("%d tickets for the conversation, want 1", n)
		}
		if st := payloadField(ms[0].Payload, "media_status"); st != "skipped" {
			t.Errorf("media_status %q", st)
		}
	})
}

// TestMediaMessagesOnlyCarryTheirOwnUploads: image and voice messages, over REST and the
// realtime connection, must name uploads of the same conversation, of the right kind, not yet
// sent; anything else is refused with a clear error and stores nothing.
func TestMediaMessagesOnlyCarryTheirOwnUploads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		env.App.Media.Dir = t.TempDir()
		alice, bob := newVisitor(t, env, "en"), newVisitor(t, env, "en")
		png := mediatest.TextPNG(t, "hello")
		mine := alice.mustUpload("a.png", png)
		theirs := bob.mustUpload("b.png", png)

		// Uploading into someone else's conversation is refused like a missing one.
		if status, raw := alice.upload(bob.conv, "x.png", png); status != 404 {
			t.Errorf("upload into another visitor's conversation: %d %s", status, raw)
		}
		for name, tc := range map[string]struct {
			data []byte
			want int
		}{
			"html":      {[]byte("<html><script>alert(1)</script></html>"), 415},
			"svg":       {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 415},
			"truncated": {png[:40], 415},
			"empty":     {nil, 400},
		} {
			if status, raw := alice.upload(alice.conv, name+".png", tc.data); status != tc.want {
				t.Errorf("%s upload: %d %s, want %d", name, status, raw, tc.want)
			}
		}

		post := func(body map[string]any) (int, string) {
			b, _ := json.Marshal(body)
			status, raw := alice.do("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", alice.conv), "application/json", bytes.NewReader(b))
			return status, apptest.ErrorCode(raw)
		}
		for name, tc := range map[string]struct {
			body map[string]any
			code string
		}{
			"other visitor's upload": {map[string]any{"content_type": "image", "attachment_ids": []int64{theirs.ID}}, "invalid"},
			"no upload":              {map[string]any{"content_type": "image"}, "invalid"},
			"wrong kind":             {map[string]any{"content_type": "voice", "attachment_ids": []int64{mine.ID}}, "invalid"},
			"text with upload":       {map[string]any{"body": "hi", "attachment_ids": []int64{mine.ID}}, "invalid"},
			"card":                   {map[string]any{"content_type": "card", "body": "x"}, "invalid"},
		} {
			if status, code := post(tc.body); status/100 != 4 || code == "" || (tc.code != "" && !strings.Contains(code, tc.code) && code != "validation_failed") {
				t.Errorf("%s: %d %s", name, status, code)
			}
		}
		ms := alice.messages()
		if len(ms) != 0 {
			t.Fatalf("refused messages were stored: %+v", ms)
		}

		// Over the realtime connection: the own upload is accepted once; reuse and foreign
		// uploads are refused with a clear error.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		ws, err := client.DialCustomer(ctx, env.Server.URL, alice.token)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		read := func(ref string) *client.Frame {
			for {
				f, err := ws.Read(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if f.Ref == ref {
					return f
				}
			}
		}
		send := func(ref string, ids ...int64) *client.Frame {
			if err := ws.Send(ctx, conversation.ClientFrame{Type: "send", Ref: ref, ConversationID: alice.conv, ContentType: "image", AttachmentIDs: ids}); err != nil {
				t.Fatal(err)
			}
			return read(ref)
		}
		if f := send("own", mine.ID); f.Type != "ack" || f.Message == nil {
			t.Fatalf("own upload over WS: %+v %v", f, f.Error)
		}
		if f := send("again", mine.ID); f.Type != "error" || f.Code() != "attachment_already_sent" {
			t.Errorf("reused upload: %+v", f.Error)
		}
		if f := send("foreign", theirs.ID); f.Type != "error" || !strings.Contains(f.Error.Message, "not uploaded to this conversation") {
			t.Errorf("foreign upload: %+v", f.Error)
		}
		if f := send("none"); f.Type != "error" || f.Error.Field != "attachment_ids" {
			t.Errorf("no upload: %+v", f.Error)
		}
		if err := ws.Send(ctx, conversation.ClientFrame{Type: "send", Ref: "card", ConversationID: alice.conv, ContentType: "card", Body: "x"}); err != nil {
			t.Fatal(err)
		}
		if f := read("card"); f.Type != "error" || f.Error.Field != "content_type" {
			t.Errorf("card over WS: %+v", f.Error)
		}
	})
}

// botState reads the bot's dialogue state of a conversation.
func botState(t *testing.T, db *store.DB, conv int64) map[string]any {
	t.Helper()
	var raw string
	db.QueryRow(context.Background(), `SELECT bot_state FROM conversations WHERE id = ?`, conv).Scan(&raw)
	st := map[string]any{}
	json.Unmarshal([]byte(raw), &st)
	return st
}

// TestPhotoDuringDamagedItemRequestStaysEvidence: while the bot waits for a photo of the
// damage, a photo is evidence — even when tesseract finds an order number on it, the bot
// must not start an order-status lookup instead.
func TestPhotoDuringDamagedItemRequestStaysEvidence(t *testing.T) {
	mediatest.NeedTools(t, "tesseract")
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		if env.App.Bot == nil {
			t.Skip("NLU models unavailable: the bot is off")
		}
		env.App.Media.Dir = t.TempDir()
		const number = "KF20261101002"
		seedOrder(t, env, number, "SF1234567890999", "delivered", "shop-ryan")
		v := newIdentifiedVisitor(t, env, "shop-ryan", "en")
		say := func(text string) {
			n := len(v.messages())
			v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv), map[string]any{"body": text}, 201, nil)
			v.waitFor("a reply to "+text, func(ms []wireMessage) bool { return len(ms) > n+1 && ms[len(ms)-1].SenderKind != "customer" })
		}
		say("the mugs arrived smashed, box was crushed")
		for i := 0; i < 3 && botState(t, db, v.conv)["step"] != "evidence"; i++ {
			st := botState(t, db, v.conv)
			switch st["step"] {
			case "order":
				say(number)
			case "confirm":
				say("yes")
			case "reason":
				say("It arrived damaged")
			default:
				t.Fatalf("unexpected bot state %v", st)
			}
		}
		if st := botState(t, db, v.conv); st["flow"] != "damaged_item" || st["step"] != "evidence" {
			t.Skipf("the bot did not ask for a photo in this build (state %v); nothing to check", st)
		}
		up := v.mustUpload("damage.png", mediatest.TextPNG(t, "Order No. "+number))
		n := len(v.messages())
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv),
			map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}}, 201, nil)
		ms := v.waitFor("the bot's answer to the photo", func(ms []wireMessage) bool { return len(ms) > n+1 && ms[len(ms)-1].SenderKind == "bot" })
		if ocr := payloadField(ms[n].Payload, "ocr_text"); !strings.Contains(ocr, number) {
			t.Errorf("photo OCR text %q", ocr)
		}
		st := botState(t, db, v.conv)
		var cases int
		db.QueryRow(context.Background(), `SELECT COUNT(*) FROM aftersales_cases WHERE evidence LIKE ?`, "%"+fmt.Sprint(up.ID)+"%").Scan(&cases)
		evidence, _ := json.Marshal(st["evidence"])
		if cases == 0 && !strings.Contains(string(evidence), fmt.Sprintf("attachment:%d", up.ID)) {
			t.Errorf("the photo is neither a case's evidence nor kept as evidence: state %v, reply %q", st, ms[len(ms)-1].Body)
		}
		t.Logf("after the photo: cases with it as evidence %d, state %v, reply %q", cases, st, ms[len(ms)-1].Body)
		if st["flow"] == "order_status" {
			t.Errorf("the photo restarted an order-status lookup: %v", st)
		}
	})
}

// TestMediaWithoutTheProgramsStillReachesPeople: with no OCR or speech program installed, a
// photo is handled as a photo and an English voice message goes to an agent with an apology.
func TestMediaWithoutTheProgramsStillReachesPeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		if env.App.Bot == nil {
			t.Skip("NLU models unavailable: the bot is off")
		}
		env.App.Media.Dir = t.TempDir()
		tools := app.MediaTools(config.DefaultMediaTools())
		tools.OCRCmd, tools.STTCmd = "/nonexistent/tesseract", "/nonexistent/pocketsphinx"
		env.App.SetMediaTools(tools)

		v := newVisitor(t, env, "en")
		up := v.mustUpload("p.png", mediatest.TextPNG(t, "Order No. KF20261101001"))
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv), map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}}, 201, nil)
		ms := v.waitFor("the bot's answer to the photo", func(ms []wireMessage) bool { return len(ms) > 1 && ms[len(ms)-1].SenderKind == "bot" })
		if st := payloadField(ms[0].Payload, "media_status"); st != "unavailable" {
			t.Errorf("photo media_status %q", st)
		}

		voice := v.mustUpload("v.wav", append([]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00"), make([]byte, 320)...))
		n := len(v.messages())
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv), map[string]any{"content_type": "voice", "attachment_ids": []int64{voice.ID}}, 201, nil)
		ms = v.waitFor("the apology", func(ms []wireMessage) bool { return len(ms) > n+1 && ms[len(ms)-1].SenderKind == "bot" })
		if reply := ms[len(ms)-1].Body; !strings.Contains(reply, "passed it to a colleague") {
			t.Errorf("reply %q", reply)
		}
		if c, _ := env.App.Conversations.Get(context.Background(), v.conv); c.HandledBy != "agent" {
			t.Errorf("handled by %q after an unheard voice message", c.HandledBy)
		}
	})
}
