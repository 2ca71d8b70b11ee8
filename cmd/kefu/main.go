// Command kefu is the single kefu binary: server, migrations, demo data, NLU and KB tools.
// Each subcommand group lives in its own file of this package and registers itself in init,
// so that adding a command never means editing a shared switch.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

type command struct {
	name    string
	summary string // one line for `kefu help`
	usage   string // longer help for `kefu help NAME`
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// exitError lets a command choose its exit status without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(runMain(ctx, os.Args[1:]))
}

func runMain(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(args)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "kefu: unknown command %q (see `kefu help`)\n", args[0])
		return 2
	}
	if err := c.run(ctx, args[1:]); err != nil {
		if e, ok := err.(exitError); ok {
			return e.code
		}
		fmt.Fprintf(os.Stderr, "kefu %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

func printHelp(args []string) {
	if len(args) > 1 {
		if c, ok := commands[args[1]]; ok {
			fmt.Printf("kefu %s — %s\n\n%s\n", c.name, c.summary, c.usage)
			return
		}
	}
	fmt.Println("kefu — intelligent customer service and after-sales for e-commerce (客服)")
	fmt.Println("\nUsage: kefu COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Println("\nRun `kefu help COMMAND` for a command's flags.")
}
