package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"kefu/internal/nlu"
	"kefu/internal/nlu/classify"
)

func init() {
	register(&command{
		name:    "nlu",
		summary: "train, evaluate and try the NLU engine (intents, entities, sentiment)",
		usage: `kefu nlu train --task intent|sentiment --data FILE.csv --out MODEL
kefu nlu predict [--model MODEL] [--sentiment-model MODEL] "text"
kefu nlu eval --task intent|sentiment --train TRAIN.csv --test TEST.csv [--dev DEV.csv] [--json]
kefu nlu retrain [--task intent|sentiment]   train shipped + corrected examples, keep the version, activate if not worse
kefu nlu models [--task intent|sentiment]    list stored model versions with their metrics (JSON)
kefu nlu rollback [--task intent|sentiment] VERSION   re-activate a stored version

CSV files have a header with text and label columns (extra columns are ignored).
Progress goes to stderr; results (JSON) to stdout.

train and eval take hyper-parameter flags (default: the task's configuration, the one the
server trains with; see ` + "`kefu nlu train -h`" + `): --hidden N (0 = linear model), --dropout,
--epochs, --min-steps, --max-features, --runs, --rate, --char-weight, --min-df, --reject-rate;
--lambda applies to linear models only (sentiment, or intent with --hidden 0).`,
		run: runNLU,
	})
}

func runNLU(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("missing subcommand: train, predict or eval (see `kefu help nlu`)")
	}
	switch args[0] {
	case "eval":
		return nluEval(ctx, args[1:], os.Stdout, os.Stderr)
	case "train":
		return nluTrain(ctx, args[1:], os.Stderr)
	case "predict":
		return nluPredict(ctx, args[1:], os.Stdout)
	case "retrain", "models", "rollback":
		return nluVersions(ctx, args[0], args[1:], os.Stdout, os.Stderr)
	}
	return fmt.Errorf("unknown subcommand %q (see `kefu help nlu`)", args[0])
}

// configFlags registers the hyper-parameter flags shared by train and eval; defaults come
// from the package so the CLI and the server train the same way. The intent model has a
// hidden layer (--hidden, --dropout, --min-steps); the sentiment model is linear (--lambda).
func configFlags(fs *flag.FlagSet) func(task string) (classify.Config, error) {
	hidden := fs.Int("hidden", -1, "hidden units (-1 = default for the task: 256 for intent; 0 = linear model)")
	dropout := fs.Float64("dropout", -1, "share of features dropped in each training step (-1 = default for the task)")
	epochs := fs.Int("epochs", 0, "SGD epochs (0 = default for the task)")
	minSteps := fs.Int("min-steps", -1, "hidden-layer model: raise the epochs of small training sets to at least this many SGD steps (-1 = default)")
	lambda := fs.Float64("lambda", 0, "L2 regularisation, linear model only (0 = default)")
	rate := fs.Float64("rate", 0, "initial learning rate (0 = default for the task)")
	charWeight := fs.Float64("char-weight", 0, "weight of character n-grams (0 = default)")
	reject := fs.Float64("reject-rate", -1, "share of held-out in-scope texts rejected as out-of-scope (-1 = default)")
	runs := fs.Int("runs", 0, "independent SGD runs: linear model, averaged into one; hidden-layer model, the hidden units split into that many networks whose scores are averaged (0 = default for the task)")
	minDF := fs.Int("min-df", 0, "drop features seen in fewer training texts (0 = default)")
	maxFeatures := fs.Int("max-features", -1, "hidden-layer model: keep only this many features, the most frequent (-1 = default; 0 = no limit)")
	return func(task string) (classify.Config, error) {
		c, err := nlu.ConfigFor(task)
		if err != nil {
			return c, err
		}
		switch {
		case *hidden == 0 && c.Hidden > 0:
			c = classify.LinearConfig() // a linear model wants its own rate and L2
		case *hidden > 0 && c.Hidden == 0:
			// a hidden layer on a linear task: the hidden-layer model's own training settings
			d := classify.DefaultConfig()
			c.Rate, c.Dropout, c.MinSteps, c.MaxFeatures, c.Runs = d.Rate, d.Dropout, d.MinSteps, d.MaxFeatures, d.Runs
			c.Hidden = *hidden
		case *hidden > 0:
			c.Hidden = *hidden
		}
		if *dropout >= 0 {
			if *dropout >= 1 {
				return c, fmt.Errorf("--dropout must be below 1")
			}
			c.Dropout = *dropout
		}
		if *epochs > 0 {
			c.Epochs = *epochs
		}
		if *minSteps >= 0 {
			c.MinSteps = *minSteps
		}
		if *lambda > 0 {
			c.Lambda = *lambda
		}
		if *rate > 0 {
			c.Rate = *rate
		}
		if *charWeight > 0 {
			c.Features.CharWeight = *charWeight
		}
		if *runs > 0 {
			c.Runs = *runs
		}
		if *minDF > 0 {
			c.MinDF = *minDF
		}
		if *maxFeatures >= 0 {
			c.MaxFeatures = *maxFeatures
		}
		if *reject >= 0 {
			c.RejectRate, c.RejectRateWithOOS = *reject, *reject
		}
		if c.Hidden > 0 && c.Runs > 1 && c.Hidden%c.Runs != 0 {
			return c, fmt.Errorf("--hidden %d does not split into --runs %d networks", c.Hidden, c.Runs)
		}
		return c, nil
	}
}

func readExamplesFile(path string) ([]classify.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ex, err := classify.ReadExamples(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

func nluEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nlu eval", flag.ContinueOnError)
	task := fs.String("task", "intent", "intent or sentiment")
	trainPath := fs.String("train", "", "training CSV")
	testPath := fs.String("test", "", "test CSV")
	devPath := fs.String("dev", "", "optional dev CSV for calibration")
	_ = fs.Bool("json", true, "print one JSON object (the only output format)")
	cfgOf := configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *trainPath == "" || *testPath == "" {
		return fmt.Errorf("--train and --test are required")
	}
	train, err := readExamplesFile(*trainPath)
	if err != nil {
		return err
	}
	test, err := readExamplesFile(*testPath)
	if err != nil {
		return err
	}
	var dev []classify.Example
	if *devPath != "" {
		if dev, err = readExamplesFile(*devPath); err != nil {
			return err
		}
	}
	progress := func(s string) { fmt.Fprintln(stderr, s) }
	start := time.Now()
	cfg, err := cfgOf(*task)
	if err != nil {
		return err
	}
	m, err := classify.Train(ctx, train, dev, cfg, progress)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	progress(fmt.Sprintf("trained in %.2fs; evaluating %d texts", secs, len(test)))
	met := classify.Evaluate(m, test)
	met.NTrain, met.TrainSeconds = len(train), secs
	enc := json.NewEncoder(stdout)
	return enc.Encode(met)
}

func nluTrain(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("nlu train", flag.ContinueOnError)
	task := fs.String("task", "intent", "intent or sentiment")
	data := fs.String("data", "", "training CSV (text,label); default: kefu's shipped data for the task")
	devPath := fs.String("dev", "", "optional dev CSV for calibration")
	out := fs.String("out", "", "model file to write")
	cfgOf := configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	cfg, err := cfgOf(*task)
	if err != nil {
		return err
	}
	var train, dev []classify.Example
	if *data == "" {
		train, err = nlu.DefaultExamples(*task)
	} else {
		train, err = readExamplesFile(*data)
	}
	if err != nil {
		return err
	}
	if *devPath != "" {
		if dev, err = readExamplesFile(*devPath); err != nil {
			return err
		}
	}
	start := time.Now()
	m, err := classify.Train(ctx, train, dev, cfg, func(s string) { fmt.Fprintln(stderr, s) })
	if err != nil {
		return err
	}
	if err := nlu.SaveModelFile(*out, m); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "trained %s model on %d texts in %.2fs: %d labels, %d features → %s\n",
		*task, len(train), time.Since(start).Seconds(), len(m.Labels), len(m.Keys), *out)
	return nil
}

func nluPredict(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("nlu predict", flag.ContinueOnError)
	modelPath := fs.String("model", "", "intent model file (default: the shipped model)")
	sentPath := fs.String("sentiment-model", "", "sentiment model file (default: the shipped model)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("give the text to analyse as an argument")
	}
	text := fs.Arg(0)
	for _, a := range fs.Args()[1:] {
		text += " " + a
	}
	var im, sm *classify.Model
	var err error
	if *modelPath != "" {
		if im, err = nlu.LoadModelFile(*modelPath); err != nil {
			return err
		}
	}
	if *sentPath != "" {
		if sm, err = nlu.LoadModelFile(*sentPath); err != nil {
			return err
		}
	}
	if im == nil || sm == nil {
		def, err := nlu.Default() // the shipped models, cached after the first training
		if err != nil {
			return err
		}
		if im == nil {
			im = def.IntentModel()
		}
		if sm == nil {
			sm = def.SentimentModel()
		}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(nlu.New(im, sm).Analyze(text))
}

// nluVersions runs the model-history commands against the configured database
// (KEFU_DATABASE_URL), the same store the server uses.
func nluVersions(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nlu "+sub, flag.ContinueOnError)
	task := fs.String("task", nlu.TaskIntent, "intent or sentiment")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := nlu.ConfigFor(*task); err != nil {
		return err
	}
	var version int64
	if sub == "rollback" {
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: kefu nlu rollback [--task intent|sentiment] VERSION")
		}
		if _, err := fmt.Sscan(fs.Arg(0), &version); err != nil || version <= 0 {
			return fmt.Errorf("VERSION must be a positive number, got %q", fs.Arg(0))
		}
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	st := nlu.NewStore(a.DB)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	switch sub {
	case "retrain":
		res, err := nlu.Retrain(ctx, st, *task, nlu.RetrainOptions{Progress: func(s string) { fmt.Fprintln(stderr, s) }})
		if err != nil {
			return err
		}
		return enc.Encode(res)
	case "models":
		vs, err := st.Versions(ctx, *task)
		if err != nil {
			return err
		}
		if vs == nil {
			vs = []nlu.ModelVersion{}
		}
		return enc.Encode(vs)
	default:
		if err := nlu.Rollback(ctx, st, *task, version); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s model version %d is now active\n", *task, version)
		return nil
	}
}
