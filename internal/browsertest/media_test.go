package browsertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"kefu/internal/conversation"
	"kefu/internal/media/mediatest"
	"kefu/internal/ticket"
)

// TestWidgetPhotoAndSatisfaction: in the real widget a customer pastes nothing and types
// nothing — they pick a screenshot of their order (the photo button's file input), see the
// preview, send it; tesseract reads the order number and the bot answers with the order's
// tracking number. Then an agent resolves the customer's ticket, the rating card appears in
// the widget and the customer rates it with the keyboard-accessible stars and a comment.
func TestWidgetPhotoAndSatisfaction(t *testing.T) {
	mediatest.NeedTools(t, "tesseract")
	e := Start(t)
	shop := SeedShop(t, e, 3)
	e.App.Media.Dir = t.TempDir()
	ctx := context.Background()

	cust := e.NewPage(t, PageOptions{Lang: "en-US,en"})
	cust.Navigate("/demo")
	launcher := widget + ".querySelector('.launcher')"
	cust.Wait("widget", launcher, 10*time.Second)
	cust.Do(chromedp.Click(chromedp.JSPath(launcher)))
	cust.Wait("panel online", widget+".querySelector('.status-online')", 10*time.Second)
	if label := Eval[string](cust, widget+".querySelector('[data-testid=widget-photo]').getAttribute('aria-label')"); label != "Send a photo" {
		t.Errorf("photo button label %q", label)
	}
	// Chromium records WebM/Opus, so the microphone button is offered, labelled.
	if label := Eval[string](cust, "("+widget+".querySelector('[data-testid=widget-record]') || {}).ariaLabel || ''"); label != "Record a voice message" {
		t.Errorf("record button label %q", label)
	}

	// Choose the screenshot through the photo button's file input, as the file chooser would.
	png := mediatest.TextPNG(t, "My orders", "Order No. "+shop.OrderNumber, "Status: shipped")
	Eval[chromedp.Void](cust, `(() => {
		const bytes = Uint8Array.from(atob(`+jsString(base64.StdEncoding.EncodeToString(png))+`), c => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], 'order.png', { type: 'image/png' }));
		const input = `+widget+`.querySelector('[data-testid=widget-file]');
		input.files = dt.files;
		input.dispatchEvent(new Event('change', { bubbles: true }));
	})()`)
	cust.Wait("photo preview", widget+".querySelector('[data-testid=widget-photo-preview] img')", 10*time.Second)
	cust.Screenshot("widget-photo-preview-en")
	cust.Do(chromedp.Click(chromedp.JSPath(widget + ".querySelector('.compose .send')")))
	sent := time.Now()
	cust.Wait("the photo in the conversation, served by kefu",
		`[...`+widget+`.querySelectorAll('.msg.mine .photo img')].some(i => i.src.includes('/api/v1/media/') && i.complete && i.naturalWidth > 0)`, 15*time.Second)
	cust.Wait("the bot's answer with the tracking number", widget+".querySelector('[data-testid=widget-tracking]')", 90*time.Second)
	t.Logf("photo sent → bot answered with the order card in %s (upload, tesseract, NLU, bot)", time.Since(sent).Round(time.Millisecond))
	if got := Eval[string](cust, widget+".querySelector('[data-testid=widget-tracking]').textContent"); !strings.Contains(got, shop.TrackingNumber) {
		t.Errorf("tracking line %q lacks %s", got, shop.TrackingNumber)
	}
	cust.Screenshot("widget-photo-order-en")

	// The conversation's stored photo message carries the recognised text.
	var convID int64
	if err := e.App.DB.QueryRow(ctx, `SELECT id FROM conversations ORDER BY id DESC LIMIT 1`).Scan(&convID); err != nil {
		t.Fatal(err)
	}
	ms, err := e.App.Conversations.Messages(ctx, convID, 0, 50, true)
	if err != nil {
		t.Fatal(err)
	}
	var photo *conversation.Message
	for _, m := range ms {
		if m.ContentType == "image" {
			photo = m
		}
	}
	var payload struct {
		OCR string `json:"ocr_text"`
	}
	if photo != nil {
		json.Unmarshal(photo.Payload, &payload)
	}
	if photo == nil || !strings.Contains(payload.OCR, shop.OrderNumber) {
		t.Errorf("photo message without its OCR text: %+v", photo)
	}

	// An agent resolves the customer's ticket; the resolution asks for a rating in the chat.
	var agentID int64
	e.App.DB.QueryRow(ctx, `SELECT id FROM users WHERE email = ?`, AgentEmail).Scan(&agentID)
	tk, err := e.App.Tickets.Create(ctx, ticket.CreateInput{Subject: "Where is my parcel", CustomerID: shop.CustomerID, ConversationID: convID}, ticket.Agent(agentID, "李娜"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.Transition(ctx, tk.ID, 0, ticket.StatusResolved, ticket.Agent(agentID, "李娜"), "tracking sent"); err != nil {
		t.Fatal(err)
	}
	// The notification sweep (a job under `kefu serve`) posts the rating card into the chat.
	if _, err := e.App.Notify.Deliver(ctx, 200); err != nil {
		t.Fatal(err)
	}
	cust.Wait("the rating card, ready", widget+".querySelector('[data-testid=widget-csat] input[type=radio]:not(:disabled)')", 15*time.Second)
	if title := Eval[string](cust, widget+".querySelector('[data-testid=widget-csat] strong').textContent"); !strings.Contains(title, tk.Ref) {
		t.Errorf("rating card title %q lacks %s", title, tk.Ref)
	}
	// Keyboard: focus the first star, arrow to the fourth (a radio group), add a comment.
	Eval[chromedp.Void](cust, widget+".querySelector('[data-testid=widget-csat] input[type=radio]').focus()")
	for range 3 {
		cust.Do(chromedp.KeyEvent(kb.ArrowRight))
	}
	if n := Eval[int](cust, widget+".querySelectorAll('[data-testid=widget-csat] label.on').length"); n != 4 {
		t.Errorf("%d stars lit after three arrow keys from the first, want 4", n)
	}
	if l := Eval[string](cust, widget+".activeElement && "+widget+".activeElement.labels[0].textContent"); !strings.Contains(l, "4 of 5 stars") {
		t.Errorf("focused star's label %q", l)
	}
	Eval[chromedp.Void](cust, widget+".querySelector('[data-testid=widget-csat] textarea').focus()")
	cust.Do(chromedp.KeyEvent("Quick and clear, thanks"))
	cust.Screenshot("widget-csat-en")
	cust.Do(chromedp.Click(chromedp.JSPath(widget + ".querySelector('[data-testid=widget-csat] button[type=submit]')")))
	cust.Wait("thanks", widget+".querySelector('[data-testid=widget-csat-thanks]')", 10*time.Second)
	var score int
	var comment string
	if err := e.App.DB.QueryRow(ctx, `SELECT score, comment FROM csat_responses WHERE ticket_id = ?`, tk.ID).Scan(&score, &comment); err != nil || score != 4 || comment != "Quick and clear, thanks" {
		t.Errorf("stored rating: %d %q %v", score, comment, err)
	}
	cust.Screenshot("widget-csat-thanks-en")
	cust.NoConsoleErrors()
}
