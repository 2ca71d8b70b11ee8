package aftersales

import "testing"

func BenchmarkEvaluateReturn(b *testing.B) {
	p := DefaultPolicy()
	r := req(func(r *Request) { r.Items = []Item{shirt, snacks, shirt}; r.Tier = TierGold })
	for b.Loop() {
		if _, err := Evaluate(p, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCalculateRefund(b *testing.B) {
	p := DefaultPolicy()
	o := sampleOrder()
	lines := []RefundLine{{"SHIRT", 1}, {"SOCKS", 2}}
	for b.Loop() {
		if _, err := CalculateRefund(p, o, lines, ReasonQuality); err != nil {
			b.Fatal(err)
		}
	}
}
