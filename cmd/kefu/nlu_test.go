package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"kefu/internal/nlu/classify"
)

func TestNLUConfigFlags(t *testing.T) {
	parse := func(task string, args ...string) (classify.Config, error) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfgOf := configFlags(fs)
		if err := fs.Parse(args); err != nil {
			return classify.Config{}, err
		}
		return cfgOf(task)
	}
	def := classify.DefaultConfig()
	cases := []struct {
		name  string
		task  string
		args  []string
		check func(c classify.Config) bool
		err   string
	}{
		{"no flags: the server's intent config", "intent", nil, func(c classify.Config) bool { return c == def }, ""},
		{"no flags: the sentiment config", "sentiment", nil, func(c classify.Config) bool { return c == classify.SentimentConfig() }, ""},
		{"hidden-layer flags", "intent", []string{"--hidden", "128", "--dropout", "0", "--epochs", "7", "--min-steps", "0", "--max-features", "0", "--runs", "2"},
			func(c classify.Config) bool {
				return c.Hidden == 128 && c.Dropout == 0 && c.Epochs == 7 && c.MinSteps == 0 && c.MaxFeatures == 0 && c.Runs == 2
			}, ""},
		{"--hidden 0 is the linear intent model", "intent", []string{"--hidden", "0", "--lambda", "1e-5"},
			func(c classify.Config) bool {
				want := classify.LinearConfig()
				want.Lambda = 1e-5
				return c == want
			}, ""},
		{"a hidden layer on sentiment takes the hidden model's rate", "sentiment", []string{"--hidden", "64"},
			func(c classify.Config) bool {
				return c.Hidden == 64 && c.Rate == def.Rate && c.Runs == def.Runs && c.NBWeighting
			}, ""},
		{"dropout must be below 1", "intent", []string{"--dropout", "1"}, nil, "--dropout"},
		{"units must split into runs", "intent", []string{"--hidden", "100", "--runs", "3"}, nil, "does not split"},
		{"unknown task", "topic", nil, nil, "task"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parse(c.task, c.args...)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want one mentioning %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(cfg) {
				t.Errorf("config %+v", cfg)
			}
		})
	}
}
