package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"kefu/internal/bot/replay"
)

func init() {
	register(&command{name: "bot", summary: "Replay scripted dialogues through the live bot path",
		usage: "kefu bot replay --file dialogues.jsonl [--json]\n\nEach line of the file is one dialogue (fixtures + turns with expectations); each runs on a fresh\ntemporary database through the same code as live chat. Exits 1 when any turn fails.",
		run:   runBot})
}

func runBot(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "replay" {
		fmt.Fprintln(os.Stderr, "usage: kefu bot replay --file dialogues.jsonl [--json]")
		return exitError{2}
	}
	fs := flag.NewFlagSet("bot replay", flag.ContinueOnError)
	file := fs.String("file", "", "dialogues JSONL file")
	asJSON := fs.Bool("json", false, "print the full JSON report")
	if err := fs.Parse(args[1:]); err != nil {
		return exitError{2}
	}
	if *file == "" {
		return fmt.Errorf("--file is required")
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	dialogues, err := replay.Read(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	dir, err := os.MkdirTemp("", "kefu-replay-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	rep, err := replay.Run(ctx, replay.TempEnv(dir, replay.SeedShop), dialogues, os.Stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		enc.Encode(rep)
	} else {
		for _, t := range rep.Turns {
			if !t.Passed {
				fmt.Printf("FAIL %s turn %d %q: %v\n  reply: %s\n", t.Dialogue, t.Turn, t.User, t.Failures, t.Reply)
			}
		}
	}
	s := rep.Summary
	fmt.Fprintf(os.Stderr, "dialogues %d/%d passed, turns %d/%d passed, containment %.2f\n", s.DialoguesPassed, s.Dialogues, s.TurnsPassed, s.Turns, s.ContainmentRate)
	if s.TurnsPassed != s.Turns {
		return exitError{1}
	}
	return nil
}
