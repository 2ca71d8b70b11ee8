package httpapi

import (
	"html/template"
	"net/http"
	"strconv"

	"kefu/internal/apperr"
	"kefu/internal/i18n"
	"kefu/internal/ticket"
)

// The satisfaction page e-mailed rating links open (KEFU_PUBLIC_URL/csat/<token>): a plain
// HTML form that works without JavaScript or signing in, in the customer's language. It uses
// the same signed-token rules as POST /api/v1/csat/{token}.
var csatPage = template.Must(template.New("csat").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}
fieldset{border:0;padding:0;display:flex;gap:.5rem}label.s{border:1px solid #bbb;border-radius:.4rem;padding:.5rem .9rem;cursor:pointer}
textarea{width:100%;min-height:5rem}button{margin-top:1rem;padding:.6rem 1.4rem}</style></head><body>
<h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Form}}<form method="post">
<fieldset>{{range .Scores}}<label class="s"><input type="radio" name="score" value="{{.}}" required> {{.}}</label>{{end}}</fieldset>
<p><label>{{.CommentLabel}}<br><textarea name="comment" maxlength="2000"></textarea></label></p>
<button type="submit">{{.Submit}}</button></form>{{end}}
</body></html>`))

type csatPageData struct {
	Lang, Title, Text, CommentLabel, Submit string
	Form                                    bool
	Scores                                  []int
}

func (s *Server) renderCSATPage(w http.ResponseWriter, status int, lang string, text i18n.Text, form bool) error {
	d := csatPageData{Lang: "en", Title: i18n.Text{ZH: "服务评价", EN: "Rate our service"}.In(lang), Text: text.In(lang),
		CommentLabel: i18n.Text{ZH: "意见或建议（可选）", EN: "Anything to add? (optional)"}.In(lang),
		Submit:       i18n.Text{ZH: "提交", EN: "Send"}.In(lang), Form: form, Scores: []int{1, 2, 3, 4, 5}}
	if i18n.IsZh(lang) {
		d.Lang = "zh"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
	w.WriteHeader(status)
	return csatPage.Execute(w, d)
}

func linkProblem(err error) (int, i18n.Text, bool) {
	ae, ok := apperr.As(err)
	if !ok {
		return 0, i18n.Text{}, false
	}
	switch ae.Code {
	case "csat_link_expired":
		return ae.Status, i18n.Text{ZH: "评价链接已过期，感谢您的关注。", EN: "This rating link has expired. Thank you all the same."}, true
	case "csat_already_given":
		return ae.Status, i18n.Text{ZH: "您已评价过此工单，感谢您的反馈！", EN: "You have already rated this ticket. Thank you for your feedback!"}, true
	case "ticket_not_resolved":
		return ae.Status, i18n.Text{ZH: "工单尚未处理完毕，处理完成后即可评价。", EN: "This ticket is not resolved yet; you can rate it once it is."}, true
	case "invalid_field":
		return ae.Status, i18n.Text{ZH: "请选择 1 到 5 分。", EN: "Please choose a score from 1 to 5."}, true
	}
	if ae.Status == http.StatusNotFound {
		return ae.Status, i18n.Text{ZH: "评价链接无效。", EN: "This rating link is not valid."}, true
	}
	return 0, i18n.Text{}, false
}

func (s *Server) csatPageGet(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.Services.Tickets.CSATInvitationFor(r.Context(), r.PathValue("token"))
	if err != nil {
		if status, text, ok := linkProblem(err); ok {
			return s.renderCSATPage(w, status, r.URL.Query().Get("lang"), text, false)
		}
		return err
	}
	switch {
	case inv.Rated:
		return s.renderCSATPage(w, http.StatusOK, inv.Lang, i18n.Text{ZH: "您已评价过此工单，感谢您的反馈！", EN: "You have already rated this ticket. Thank you for your feedback!"}, false)
	case !inv.CanRate:
		_, text, _ := linkProblem(ticket.CSATAllowed(inv.Status))
		return s.renderCSATPage(w, http.StatusOK, inv.Lang, text, false)
	}
	return s.renderCSATPage(w, http.StatusOK, inv.Lang, i18n.Text{
		ZH: "工单 " + inv.TicketRef + "（" + inv.Subject + "）已处理完毕。您对本次服务满意吗？1 分为非常不满意，5 分为非常满意。",
		EN: "Ticket " + inv.TicketRef + " (" + inv.Subject + ") is resolved. How satisfied are you? 1 = very unsatisfied, 5 = very satisfied.",
	}, true)
}

func (s *Server) csatPagePost(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return apperr.BadRequest("invalid_form", "could not read the form")
	}
	score, _ := strconv.Atoi(r.PostForm.Get("score"))
	inv, err := s.Services.Tickets.CSATInvitationFor(r.Context(), token)
	lang := ""
	if inv != nil {
		lang = inv.Lang
	}
	if err == nil {
		_, err = s.Services.Tickets.RecordCSATByLink(r.Context(), token, score, r.PostForm.Get("comment"))
	}
	if err != nil {
		if status, text, ok := linkProblem(err); ok {
			return s.renderCSATPage(w, status, lang, text, status == http.StatusBadRequest)
		}
		return err
	}
	return s.renderCSATPage(w, http.StatusCreated, lang, ticket.CSATThanksMessage(inv.TicketRef, score), false)
}
