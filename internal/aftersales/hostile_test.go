package aftersales

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func hostileStrings(t *testing.T) []string {
	t.Helper()
	root := os.Getenv("KEFU_EVAL_DATA")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "data")
	}
	f, err := os.Open(filepath.Join(root, "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available (set KEFU_EVAL_DATA): %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// Hostile strings in every text field give a decision or a clean 4xx error, never a panic, and
// never an undefined state.
func TestHostileInput(t *testing.T) {
	p := DefaultPolicy()
	for _, s := range hostileStrings(t) {
		if k, err := ParseKind(s); err == nil && !slices.Contains(Kinds, k) {
			t.Fatalf("ParseKind(%q) = %q", s, k)
		}
		_, _ = ParseTier(s)
		_, _ = Evaluate(p, req(func(r *Request) {
			r.Tier, r.Reason = Tier(s), Reason(s)
			r.Items = []Item{{SKU: s, Name: s, Category: s, Qty: 1}}
		}))
		d, err := Evaluate(p, req(func(r *Request) { r.Items = []Item{{SKU: s, Name: s, Category: s, Qty: 1}} }))
		if err != nil || d.Outcome == "" {
			t.Fatalf("item text %q: %v %+v", s, err, d)
		}
		for _, k := range Kinds {
			c, _ := NewCase(k)
			next, err := Transition(c, Event{Name: EventName(s), TrackingNumber: s, Note: s, Amount: 1}, Actor{Kind: ActorKind(s)})
			if err == nil && next.State == "" {
				t.Fatalf("undefined state from %q", s)
			}
			_, _ = Transition(Case{Kind: k, State: StateAwaitingReturnShipment}, Event{Name: EventShipReturn, TrackingNumber: s}, Actor{Kind: ActorCustomer})
			_ = CaseMessage(s, Case{Kind: k, State: State(s), LastNote: s}).In(s)
		}
		if tn, err := CleanTrackingNumber(s); err == nil && strings.ContainsAny(tn, " <>'\";") {
			t.Fatalf("tracking number %q accepted as %q", s, tn)
		}
		_, _ = CalculateRefund(p, Order{Lines: []OrderLine{{SKU: s, Qty: 1, UnitPrice: 100}}}, []RefundLine{{SKU: s, Qty: 1}}, Reason(s))
	}
}
