package httpapi

import (
	"kefu/internal/aftersales"
	"kefu/internal/commerce"
	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/kb"
	"kefu/internal/media"
	"kefu/internal/ticket"
	"kefu/internal/webhook"
)

// Services are the domain services handlers call. Each domain adds its field here and its
// routes in its own routes_<domain>.go file, registered through routeGroups.
type Services struct {
	Commerce *commerce.Service
	CRM      *crm.Service
	// Conversations: conversations, messages, the widget and realtime delivery.
	Conversations *conversation.Service
	Webhooks      *webhook.Service
	KB            *kb.Service         // knowledge base: articles, search, suggestions, gaps
	Tickets       *ticket.Service     // tickets, SLA, macros, CSAT
	Aftersales    *aftersales.Service // after-sales cases and the tier policy
	NLU           *NLUServices        // intent corrections, model versions, retraining
	Media         *media.Service      // customers' photos and voice messages
}

// routeGroups collects each domain's routes (appended from init in routes_<domain>.go), so
// the route table stays one list while each domain keeps its endpoints beside its handlers.
var routeGroups []func(*Server) []Route

func (s *Server) domainRoutes() []Route {
	var rs []Route
	for _, g := range routeGroups {
		rs = append(rs, g(s)...)
	}
	return rs
}
