package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"kefu/internal/app"
	"kefu/internal/kb"
	"kefu/internal/kb/search"
)

func init() {
	// kefu serve builds the knowledge-base index from the database before taking traffic, so
	// the first customer question does not pay for it.
	backgroundStarters = append(backgroundStarters, func(ctx context.Context, a *app.App) error {
		if a.Server.Services.KB == nil {
			return nil
		}
		return a.Server.Services.KB.Load(ctx)
	})
	register(&command{
		name:    "kb",
		summary: "knowledge base: import, export and evaluate retrieval",
		usage: `kefu kb eval --corpus corpus.csv --queries queries.csv [--json] [--fit-calibration]
kefu kb import --format csv|markdown [--author-email EMAIL] PATH
kefu kb export --format csv|markdown [--lang zh|en] [--status STATUS] PATH

eval indexes an FAQ corpus (id,question; several rows per id are variants of one entry) and
runs every query (text,id) through the same search the bot uses, printing one JSON object:
recall_at_1, recall_at_5, mrr (within the top 10), n_queries, index_seconds, query_p50_us,
query_p99_us and how the calibrated confidence behaves. Progress goes to stderr.
Ranking flags (--k1, --b, --w-word, …) override the defaults for tuning.

import reads a CSV file (see kb export) or a folder of Markdown files with front matter into
the database configured by KEFU_DATABASE_URL, reporting each bad row with its line number and
importing the good ones. export writes the same formats.`,
		run: runKB,
	})
}

func runKB(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("missing subcommand: eval, import or export (see `kefu help kb`)")
	}
	switch args[0] {
	case "eval":
		return kbEval(ctx, args[1:], os.Stdout, os.Stderr)
	case "import":
		return kbImport(ctx, args[1:], os.Stdout, os.Stderr)
	case "export":
		return kbExport(ctx, args[1:], os.Stdout, os.Stderr)
	}
	return fmt.Errorf("unknown subcommand %q (see `kefu help kb`)", args[0])
}

func kbEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpusPath := fs.String("corpus", "", "corpus CSV (id,question)")
	queriesPath := fs.String("queries", "", "queries CSV (text,id)")
	_ = fs.Bool("json", true, "print one JSON object (the only output format)")
	fit := fs.Bool("fit-calibration", false, "also fit the confidence calibration to these queries and print it to stderr")
	opt := search.DefaultOptions()
	fs.Float64Var(&opt.K1, "k1", opt.K1, "BM25 k1")
	fs.Float64Var(&opt.B, "b", opt.B, "BM25 b")
	fs.Float64Var(&opt.Weights.Word, "w-word", opt.Weights.Word, "weight of words")
	fs.Float64Var(&opt.Weights.Bigram, "w-bigram", opt.Weights.Bigram, "weight of Chinese character bigrams")
	fs.Float64Var(&opt.Weights.Unigram, "w-unigram", opt.Weights.Unigram, "weight of Chinese characters")
	fs.Float64Var(&opt.Weights.Synonym, "w-synonym", opt.Weights.Synonym, "weight of synonym groups")
	fs.Float64Var(&opt.Weights.Fuzzy, "w-fuzzy", opt.Weights.Fuzzy, "weight of spelling corrections")
	fs.Float64Var(&opt.Spread, "spread", opt.Spread, "share of an entry's second-best match added to its best")
	fs.Float64Var(&opt.Weights.Filler, "w-filler", opt.Weights.Filler, "weight of Chinese filler words (我, 的, 吗, 怎么, …)")
	fs.Float64Var(&opt.Negation, "negation", opt.Negation, "share of the score lost when only one of query and question is negated (Chinese)")
	fs.BoolVar(&opt.Fuzzy, "fuzzy", opt.Fuzzy, "correct unknown English words")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if *corpusPath == "" || *queriesPath == "" {
		return fmt.Errorf("--corpus and --queries are required")
	}
	corpus, err := readFile(*corpusPath, search.ReadCorpus)
	if err != nil {
		return err
	}
	queries, err := readFile(*queriesPath, search.ReadQueries)
	if err != nil {
		return err
	}
	progress := func(s string) { fmt.Fprintln(stderr, s) }
	progress(fmt.Sprintf("indexing %d entries", len(corpus.Docs)))
	ix, took, err := search.BuildIndex(ctx, corpus, opt, progress)
	if err != nil {
		return err
	}
	progress(fmt.Sprintf("indexed in %.2fs; running %d queries", took.Seconds(), len(queries)))
	m, obs, err := search.Evaluate(ctx, ix, corpus, queries)
	if err != nil {
		return err
	}
	m.IndexSeconds = took.Seconds()
	if *fit {
		c := search.FitCalibration(obs)
		progress(fmt.Sprintf("fitted calibration: %+v (calibration error %.4f; default %.4f)", c, c.ExpectedError(obs), m.ECE))
	}
	return json.NewEncoder(stdout).Encode(m)
}

func readFile[T any](path string, parse func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	v, err := parse(f)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

func kbImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "csv or markdown (default: markdown for a folder, csv for a file)")
	authorEmail := fs.String("author-email", "", "staff user recorded as the author of the imported versions")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("give one PATH: a CSV file or a folder of Markdown files")
	}
	path := fs.Arg(0)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if *format == "" {
		*format = "csv"
		if st.IsDir() {
			*format = "markdown"
		}
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Server.Services.KB
	var author int64
	if *authorEmail != "" {
		if err := a.DB.QueryRow(ctx, `SELECT id FROM users WHERE email = ?`, *authorEmail).Scan(&author); err != nil {
			return fmt.Errorf("--author-email: no staff user %q", *authorEmail)
		}
	}
	var rep *kb.ImportReport
	switch *format {
	case "csv":
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rep, err = svc.ImportCSV(ctx, f, author)
		if err != nil {
			return err
		}
	case "markdown":
		files, err := readMarkdownDir(path, st.IsDir())
		if err != nil {
			return err
		}
		rep, err = svc.ImportMarkdown(ctx, files, author)
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("--format must be csv or markdown")
	}
	for _, e := range rep.Errors {
		where := fmt.Sprintf("line %d", e.Line)
		if e.File != "" {
			where = e.File + ":" + fmt.Sprint(e.Line)
		}
		fmt.Fprintf(stderr, "%s: %s %s: %s\n", where, e.Code, e.Field, e.Message)
	}
	if err := json.NewEncoder(stdout).Encode(rep); err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		return exitError{1}
	}
	return nil
}

// readMarkdownDir reads every *.md file of a folder (or the one file given).
func readMarkdownDir(path string, dir bool) ([]kb.MarkdownFile, error) {
	names := []string{path}
	if dir {
		var err error
		if names, err = filepath.Glob(filepath.Join(path, "*.md")); err != nil {
			return nil, err
		}
		sort.Strings(names)
	}
	var files []kb.MarkdownFile
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files = append(files, kb.MarkdownFile{Name: filepath.Base(n), Content: string(b)})
	}
	return files, nil
}

func kbExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kb export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "csv or markdown")
	var f kb.Filter
	fs.StringVar(&f.Lang, "lang", "", "only this language (zh or en)")
	fs.StringVar(&f.Status, "status", "", "only this status (draft, published, archived)")
	if err := fs.Parse(args); err != nil {
		return exitError{2}
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("give one PATH: the CSV file or the folder to write (- for CSV on stdout)")
	}
	path := fs.Arg(0)
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := a.Server.Services.KB
	switch *format {
	case "csv":
		w := stdout
		if path != "-" {
			file, err := os.Create(path)
			if err != nil {
				return err
			}
			defer file.Close()
			w = file
		}
		return svc.ExportCSV(ctx, w, f)
	case "markdown":
		files, err := svc.ExportMarkdown(ctx, f)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(path, 0o755); err != nil {
			return err
		}
		for _, mf := range files {
			if err := os.WriteFile(filepath.Join(path, mf.Name), []byte(mf.Content), 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(stderr, "wrote %d files to %s\n", len(files), path)
		return nil
	}
	return fmt.Errorf("--format must be csv or markdown")
}
