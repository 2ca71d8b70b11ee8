package browsertest

import (
	"context"
	"testing"
	"time"

	"kefu/internal/demo"
)

// BenchmarkWorkspaceFirstLoad measures issue #7's "workspace first load ≤ 2 s with the demo
// store": the full demo store (1,000 customers, 5,000 orders, the catalogue and knowledge base)
// is loaded once; each iteration opens a fresh tab (empty cache) with a signed-in session and
// times navigation start → the inbox showing its queue, and → the customer list showing rows.
//
//	go test ./internal/browsertest -run '^$' -bench WorkspaceFirstLoad -benchtime 5x
func BenchmarkWorkspaceFirstLoad(b *testing.B) {
	e := Start(b)
	if _, err := demo.Load(context.Background(), e.App, demo.Options{Seed: 1}); err != nil {
		b.Fatalf("load demo store: %v", err)
	}
	var inbox, customers time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p := e.NewPage(b, PageOptions{Lang: "zh-CN,zh"})
		loginFast(p, AdminEmail)
		b.StartTimer()
		p.Navigate("/inbox")
		p.Wait("inbox", inboxReady, 10*time.Second)
		inbox += time.Duration(Eval[float64](p, "performance.now()") * float64(time.Millisecond))
		p.Navigate("/customers")
		p.Wait("customers", q+"('.vlist .row-link')", 10*time.Second)
		customers += time.Duration(Eval[float64](p, "performance.now()") * float64(time.Millisecond))
	}
	b.ReportMetric(float64(inbox.Milliseconds())/float64(b.N), "inbox-ms/op")
	b.ReportMetric(float64(customers.Milliseconds())/float64(b.N), "customers-ms/op")
}
