package replay_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kefu/internal/bot/replay"
)

// TestDialogueSuite replays testdata/dialogues.jsonl — scripted conversations in Chinese and
// English covering every bot flow, the tier policy edges, corrections, anger and out-of-scope
// messages — through the live chat path, each on a fresh SQLite database, and fails on any turn
// whose expectations do not hold. `kefu bot replay --file …` runs the same file by hand.
func TestDialogueSuite(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "dialogues.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dialogues, err := replay.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(dialogues) < 60 {
		t.Fatalf("the suite has %d dialogues; issue #5 asks for at least 60", len(dialogues))
	}
	start := time.Now()
	rep, err := replay.Run(context.Background(), replay.TempEnv(t.TempDir(), replay.SeedShop), dialogues, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Summary
	t.Logf("dialogues %d/%d passed, turns %d/%d passed, containment %.2f (%s)",
		s.DialoguesPassed, s.Dialogues, s.TurnsPassed, s.Turns, s.ContainmentRate, time.Since(start).Round(time.Millisecond))
	if s.Turns == 0 {
		t.Fatal("no turns were replayed")
	}
	for _, tr := range rep.Turns {
		switch {
		case tr.KnownIssue != "" && tr.Passed:
			t.Errorf("%s turn %d now passes: remove its known_issue mark (%s)", tr.Dialogue, tr.Turn, tr.KnownIssue)
		case tr.KnownIssue != "":
			t.Logf("KNOWN ISSUE %s turn %d %q: %s — %s", tr.Dialogue, tr.Turn, tr.User, tr.KnownIssue, strings.Join(tr.Failures, "; "))
		case !tr.Passed:
			t.Errorf("%s turn %d %q (intent %s %.2f): %s\n    reply: %s", tr.Dialogue, tr.Turn, tr.User, tr.Intent, tr.Confidence,
				strings.Join(tr.Failures, "; "), strings.ReplaceAll(tr.Reply, "\n", " / "))
		}
	}
}
