package classify

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

func TestTmpProf(t *testing.T) {
	rd := func(p string) []Example { f, _ := os.Open(p); defer f.Close(); ex, _ := ReadExamples(f); return ex }
	tr := rd("/tmp/nlut/b77r.train")
	cfg := DefaultConfig()
	cfg.HoldOut = 0
	st := time.Now()
	m, _ := Train(context.Background(), tr, nil, cfg, nil)
	fmt.Println(time.Since(st), len(m.Keys))
}
