package bot

import "encoding/json"

// State is the bot's memory of one conversation, stored as JSON on the conversation.
type State struct {
	Flow        string   `json:"flow,omitempty"` // the multi-turn flow in progress
	Step        string   `json:"step,omitempty"` // what the flow waits for: order, confirm, address, reason, evidence
	Intent      string   `json:"intent,omitempty"`
	OrderNumber string   `json:"order,omitempty"`
	Address     string   `json:"address,omitempty"`
	Kind        string   `json:"kind,omitempty"` // after-sales kind
	Reason      string   `json:"reason,omitempty"`
	Evidence    []string `json:"evidence,omitempty"`
	// Items are the SKUs of the order the request is about, when the customer named some of
	// them ("少发了一件T恤"); empty means the whole order.
	Items []string `json:"items,omitempty"`
	// NotOrders are orders the customer said they do not mean ("no, the other one"), left out
	// when the bot picks or offers orders again in this flow.
	NotOrders []string `json:"not_orders,omitempty"`
	// Offered are the orders last listed for the customer to choose from, in list order.
	Offered []string `json:"offered,omitempty"`
	// Photos are pictures the customer sent before any flow asked for them ("broken, see
	// photo"); the next after-sales request takes them as its evidence.
	Photos        []string `json:"photos,omitempty"`
	LowConfidence int      `json:"low_confidence,omitempty"` // consecutive turns the bot did not understand
	Failures      int      `json:"failures,omitempty"`       // consecutive failed attempts inside a flow
	Attempts      []string `json:"attempts,omitempty"`       // what the bot tried, for the handoff summary
	HandedOff     bool     `json:"handed_off,omitempty"`
	TicketID      int64    `json:"ticket_id,omitempty"`
}

// LoadState parses a stored state; anything unreadable starts fresh rather than failing a chat.
func LoadState(raw string) State {
	var s State
	if raw != "" {
		json.Unmarshal([]byte(raw), &s)
	}
	return s
}

// JSON is the stored form of the state.
func (s State) JSON() string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (s *State) tried(what string) {
	s.Attempts = append(s.Attempts, what)
	if len(s.Attempts) > 12 { // keep the summary short and the state small
		s.Attempts = s.Attempts[len(s.Attempts)-12:]
	}
}

func (s *State) endFlow() {
	s.Flow, s.Step, s.OrderNumber, s.Address, s.Kind, s.Reason = "", "", "", "", "", ""
	s.Evidence, s.Items, s.NotOrders, s.Offered, s.Failures = nil, nil, nil, nil, 0
}
