package demo

import (
	"os"
	"testing"
	"time"

	"kefu/internal/demo/content"
)

func BenchmarkPlan(b *testing.B) {
	set, err := content.LoadFS(os.DirFS(os.Getenv("KEFU_DEV_CONTENT")))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC)
	for i := 0; i < b.N; i++ {
		plan(set, 1, now)
	}
}
