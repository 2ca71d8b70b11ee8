// Package nlu is kefu's natural-language understanding engine: one call, Analyze, gives the
// language, intent (with calibrated confidence, top-3 and honest out-of-scope), entities and
// sentiment of a customer message. The bot, the server and the `kefu nlu` commands all use
// it. The parts live in subpackages: textseg (normalisation, segmentation), classify
// (trainable intent/polarity models), entity (entity rules and catalogue matching) and
// sentiment (polarity, anger, urgency).
package nlu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/nlu/classify"
	"kefu/internal/nlu/defaults"
	"kefu/internal/nlu/entity"
	"kefu/internal/nlu/sentiment"
	"kefu/internal/nlu/textseg"
)

// Product is a catalogue item for product-mention matching.
type Product = entity.Product

// Entity is one extracted entity; Start and End are rune offsets into the analysed text
// (End exclusive).
type Entity = entity.Entity

// Analysis is everything the engine understands about one message.
type Analysis struct {
	Lang       string            `json:"lang"` // "zh" or "en"
	Intent     string            `json:"intent"`
	Confidence float64           `json:"confidence"` // calibrated probability of the top intent
	OOS        bool              `json:"oos"`        // no intent fits; Intent is "oos"
	Top3       []classify.Scored `json:"top3"`
	Entities   []entity.Entity   `json:"entities"`
	Sentiment  sentiment.Result  `json:"sentiment"`
	Truncated  bool              `json:"truncated,omitempty"` // input longer than textseg.MaxRunes runes was cut
}

// Engine analyses messages. It is safe for concurrent use; models and the catalogue can be
// swapped while it serves.
type Engine struct {
	intent    atomic.Pointer[classify.Model]
	sentiment atomic.Pointer[classify.Model]
	catalog   atomic.Pointer[entity.Catalog]
	// Now anchors relative dates; nil means time.Now.
	Now func() time.Time
}

// New returns an engine with the given models (sentimentModel may be nil: rules only).
func New(intentModel, sentimentModel *classify.Model) *Engine {
	e := &Engine{}
	e.intent.Store(intentModel)
	e.sentiment.Store(sentimentModel)
	return e
}

// SetIntentModel swaps the intent model (after retraining or a rollback).
func (e *Engine) SetIntentModel(m *classify.Model) { e.intent.Store(m) }

// SetSentimentModel swaps the polarity model.
func (e *Engine) SetSentimentModel(m *classify.Model) { e.sentiment.Store(m) }

// IntentModel returns the current intent model.
func (e *Engine) IntentModel() *classify.Model { return e.intent.Load() }

// SentimentModel returns the current polarity model.
func (e *Engine) SentimentModel() *classify.Model { return e.sentiment.Load() }

// SetCatalog replaces the product catalogue used for product mentions and teaches the
// segmenter the product names.
func (e *Engine) SetCatalog(products []Product) {
	var words []string
	for _, p := range products {
		words = append(words, p.Names...)
	}
	textseg.AddWords(words...)
	e.catalog.Store(entity.NewCatalog(products))
}

// Analyze understands one message. Empty, hostile or very long input never fails: long text is
// truncated (Truncated is set), text without anything the models know is out of scope.
func (e *Engine) Analyze(text string) Analysis {
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	a := Analysis{Lang: textseg.Lang(text), Intent: classify.OOS, OOS: true, Entities: []entity.Entity{}}
	if n := len(text); n > textseg.MaxRunes { // cheap check first; count runes only when needed
		a.Truncated = len([]rune(text[:min(n, textseg.MaxRunes*4+4)])) > textseg.MaxRunes
	}
	a.Entities = append(a.Entities, entity.Extract(text, now, e.catalog.Load())...)
	if m := e.intent.Load(); m != nil {
		p := m.Predict(maskProducts(text, a.Entities, a.Lang))
		a.Intent, a.Confidence, a.OOS, a.Top3 = p.Label, p.Confidence, p.OOS, p.Top
	}
	a.Sentiment = sentiment.Analyze(e.sentiment.Load(), text)
	return a
}

var (
	defaultOnce sync.Once
	defaultEng  *Engine
	defaultErr  error
)

// Default returns the engine with kefu's shipped models, trained once per process from the
// embedded training data (internal/nlu/defaults). Later calls return the same engine.
func Default() (*Engine, error) {
	defaultOnce.Do(func() {
		im, err := cachedDefault(TaskIntent)
		if err != nil {
			defaultErr = err
			return
		}
		sm, err := cachedDefault(TaskSentiment)
		if err != nil {
			defaultErr = err
			return
		}
		defaultEng = New(im, sm)
	})
	return defaultEng, defaultErr
}

// cachedDefault returns the shipped model of a task from the model cache, training and
// caching it on a miss. The cache key is this executable's path, size and modification time,
// so any rebuild (new code, new shipped data) trains afresh; a model that fails to load is
// simply retrained. KEFU_NLU_CACHE_DIR sets the folder (default: the user cache folder),
// "off" disables the cache. Cache errors never fail the caller.
func cachedDefault(task string) (*classify.Model, error) {
	path := defaultCachePath(task)
	if path != "" {
		if m, err := LoadModelFile(path); err == nil {
			return m, nil
		}
	}
	m, err := TrainDefault(context.Background(), task, nil)
	if err != nil {
		return nil, err
	}
	if path != "" {
		if os.MkdirAll(filepath.Dir(path), 0o755) == nil {
			// drop models cached by older builds of this task before writing ours
			old, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "nlu-"+task+"-*.model"))
			for _, o := range old {
				os.Remove(o)
			}
			_ = SaveModelFile(path, m)
		}
	}
	return m, nil
}

func defaultCachePath(task string) string {
	dir := os.Getenv("KEFU_NLU_CACHE_DIR")
	if dir == "off" {
		return ""
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "kefu")
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%d\x00%s", exe, fi.Size(), fi.ModTime().UnixNano(), task))
	return filepath.Join(dir, fmt.Sprintf("nlu-%s-%x.model", task, h[:8]))
}

// Task names.
const (
	TaskIntent    = "intent"
	TaskSentiment = "sentiment"
)

// ConfigFor returns the default hyper-parameters of a task.
func ConfigFor(task string) (classify.Config, error) {
	switch task {
	case TaskIntent:
		return classify.DefaultConfig(), nil
	case TaskSentiment:
		return classify.SentimentConfig(), nil
	}
	return classify.Config{}, apperr.Invalid("task", "task must be intent or sentiment")
}

// DefaultExamples returns the shipped training examples of a task.
func DefaultExamples(task string) ([]classify.Example, error) {
	return defaultFile(task + "_train.csv")
}

// DefaultTestExamples returns the shipped test examples of a task (written separately from
// the training file).
func DefaultTestExamples(task string) ([]classify.Example, error) {
	return defaultFile(task + "_test.csv")
}

func defaultFile(name string) ([]classify.Example, error) {
	b, err := defaults.FS.ReadFile(name)
	if err != nil {
		return nil, apperr.NotFound("shipped training file " + name).Wrap(err)
	}
	return classify.ReadExamples(bytes.NewReader(b))
}

// TrainDefault trains a task's model on the shipped examples plus extra ones (agents'
// corrections).
func TrainDefault(ctx context.Context, task string, extra []classify.Example) (*classify.Model, error) {
	cfg, err := ConfigFor(task)
	if err != nil {
		return nil, err
	}
	ex, err := DefaultExamples(task)
	if err != nil {
		return nil, err
	}
	return classify.Train(ctx, append(ex, extra...), nil, cfg, nil)
}

// LoadModelFile reads a model written by SaveModelFile or `kefu nlu train`.
func LoadModelFile(path string) (*classify.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return classify.Load(f)
}

// SaveModelFile writes a model atomically (temporary file, then rename).
func SaveModelFile(path string, m *classify.Model) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := m.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// ModelBytes serialises a model.
func ModelBytes(m *classify.Model) ([]byte, error) {
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// ModelFromBytes reads a serialised model.
func ModelFromBytes(b []byte) (*classify.Model, error) { return classify.Load(bytes.NewReader(b)) }

func detectLang(s string) string { return textseg.Lang(s) }

// maskProducts replaces catalogue product mentions with a generic "this product" before intent
// classification. A shop's product names are words the intent model never saw in training
// ("AirBuds Pro 蓝牙耳机现在还有货吗"), and unknown words pull a short question towards
// out-of-scope; what the customer asks about the product is what decides the intent.
func maskProducts(text string, ents []entity.Entity, lang string) string {
	generic := " 这款商品 "
	if lang == "en" {
		generic = " this product "
	}
	runes := []rune(text)
	var b strings.Builder
	last := 0
	for _, e := range ents {
		if e.Type != "product" || e.Start < last || e.End > len(runes) || e.Start >= e.End {
			continue
		}
		b.WriteString(string(runes[last:e.Start]))
		b.WriteString(generic)
		last = e.End
	}
	if last == 0 {
		return text
	}
	b.WriteString(string(runes[last:]))
	return b.String()
}
