package nlu

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/nlu/classify"
	"kefu/internal/store"
)

// Store keeps labelled examples (agents' corrections) and every trained model version.
type Store struct{ db *store.DB }

// NewStore returns the NLU store on a migrated database.
func NewStore(db *store.DB) *Store { return &Store{db: db} }

// Correction is an agent's statement that a message means Label.
type Correction struct {
	Task      string // "intent" (default) or "sentiment"
	Text      string
	Label     string
	Lang      string // "" = detected
	Source    string // "correction" (default) or "manual"
	MessageID int64  // 0 = none
	CreatedBy int64  // 0 = none
}

// maxExampleRunes bounds stored example text, like the analyser does.
const maxExampleRunes = 4096

// AddCorrection stores a labelled example and returns its id.
func (s *Store) AddCorrection(ctx context.Context, c Correction) (int64, error) {
	if c.Task == "" {
		c.Task = TaskIntent
	}
	if _, err := ConfigFor(c.Task); err != nil {
		return 0, err
	}
	c.Text = strings.TrimSpace(c.Text)
	c.Label = classify.CanonicalLabel(c.Label)
	if c.Text == "" {
		return 0, apperr.Invalid("text", "the example text is empty")
	}
	if len([]rune(c.Text)) > maxExampleRunes {
		return 0, apperr.Invalid("text", fmt.Sprintf("the example text is longer than %d characters", maxExampleRunes))
	}
	if c.Label == "" || len(c.Label) > 100 {
		return 0, apperr.Invalid("label", "the label must be 1-100 characters")
	}
	if c.Lang == "" {
		c.Lang = detectLang(c.Text)
	}
	if c.Source == "" {
		c.Source = "correction"
	}
	var msg, by any
	if c.MessageID > 0 {
		msg = c.MessageID
	}
	if c.CreatedBy > 0 {
		by = c.CreatedBy
	}
	return store.InsertID(ctx, s.db, `INSERT INTO nlu_examples (task, text, label, lang, source, message_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.Task, c.Text, c.Label, c.Lang, c.Source, msg, by, time.Now().UTC())
}

// Examples returns the stored examples of a task, oldest first.
func (s *Store) Examples(ctx context.Context, task string) ([]classify.Example, error) {
	rows, err := s.db.Query(ctx, `SELECT text, label FROM nlu_examples WHERE task = ? ORDER BY id`, task)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []classify.Example
	for rows.Next() {
		var e classify.Example
		if err := rows.Scan(&e.Text, &e.Label); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ModelVersion describes one stored model (without its bytes).
type ModelVersion struct {
	Task      string           `json:"task"`
	Version   int64            `json:"version"`
	Metrics   classify.Metrics `json:"metrics"`
	NExamples int64            `json:"n_examples"`
	Active    bool             `json:"active"`
	Note      string           `json:"note,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
}

// SaveVersion stores a model as the task's next version (inactive) and returns the version.
func (s *Store) SaveVersion(ctx context.Context, task string, m *classify.Model, met classify.Metrics, nExamples int, note string) (int64, error) {
	blob, err := ModelBytes(m)
	if err != nil {
		return 0, err
	}
	mj, err := json.Marshal(met)
	if err != nil {
		return 0, err
	}
	var version int64
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM nlu_models WHERE task = ?`, task).Scan(&version); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO nlu_models (task, version, metrics, n_examples, model, active, note, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, task, version, string(mj), nExamples, blob, false, note, time.Now().UTC())
		return err
	})
	return version, err
}

// Versions lists a task's model versions, newest first.
func (s *Store) Versions(ctx context.Context, task string) ([]ModelVersion, error) {
	rows, err := s.db.Query(ctx, `SELECT task, version, metrics, n_examples, active, note, created_at
		FROM nlu_models WHERE task = ? ORDER BY version DESC`, task)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ModelVersion
	for rows.Next() {
		var v ModelVersion
		var mj string
		if err := rows.Scan(&v.Task, &v.Version, &mj, &v.NExamples, &v.Active, &v.Note, &v.CreatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(mj), &v.Metrics); err != nil {
			return nil, fmt.Errorf("model %s v%d: bad metrics: %w", task, v.Version, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Activate makes version the task's only active model.
func (s *Store) Activate(ctx context.Context, task string, version int64) error {
	return s.db.Tx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM nlu_models WHERE task = ? AND version = ?`, task, version).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.NotFound(fmt.Sprintf("%s model version %d", task, version))
		}
		if _, err := tx.Exec(ctx, `UPDATE nlu_models SET active = ? WHERE task = ? AND active = ?`, false, task, true); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE nlu_models SET active = ? WHERE task = ? AND version = ?`, true, task, version)
		return err
	})
}

// ActiveModel returns the task's active model and its version; ok is false when none is
// active (the engine then uses the shipped default).
func (s *Store) ActiveModel(ctx context.Context, task string) (m *classify.Model, v ModelVersion, ok bool, err error) {
	var blob []byte
	var mj string
	err = s.db.QueryRow(ctx, `SELECT task, version, metrics, n_examples, active, note, created_at, model
		FROM nlu_models WHERE task = ? AND active = ?`, task, true).Scan(&v.Task, &v.Version, &mj, &v.NExamples, &v.Active, &v.Note, &v.CreatedAt, &blob)
	if store.IsNoRows(err) {
		return nil, v, false, nil
	}
	if err != nil {
		return nil, v, false, err
	}
	if err := json.Unmarshal([]byte(mj), &v.Metrics); err != nil {
		return nil, v, false, err
	}
	m, err = ModelFromBytes(blob)
	if err != nil {
		return nil, v, false, err
	}
	return m, v, true, nil
}

// RetrainOptions tune a retraining run; the zero value uses the task's defaults.
type RetrainOptions struct {
	Config   *classify.Config // nil = ConfigFor(task)
	HoldOut  float64          // share held out for evaluation; 0 = 0.15
	Progress func(string)
}

// RetrainResult reports what a retraining run did.
type RetrainResult struct {
	Task     string           `json:"task"`
	Version  int64            `json:"version"`
	Metrics  classify.Metrics `json:"metrics"`
	Previous *ModelVersion    `json:"previous,omitempty"`
	// PreviousMetrics is the active model re-scored on this run's held-out slice, so the two
	// are compared on the same texts.
	PreviousMetrics *classify.Metrics `json:"previous_metrics,omitempty"`
	Activated       bool              `json:"activated"`
	Reason          string            `json:"reason"`
}

// Retrain trains a new model from the shipped examples plus the stored ones, evaluates it
// on a held-out slice (the same slice the active model is re-scored on), stores it as a new
// version, and activates it only if it is not worse than the active model (accuracy, then
// macro-F1). Every version is kept, so any can be re-activated with Rollback.
func Retrain(ctx context.Context, st *Store, task string, opt RetrainOptions) (RetrainResult, error) {
	res := RetrainResult{Task: task}
	cfg, err := ConfigFor(task)
	if err != nil {
		return res, err
	}
	if opt.Config != nil {
		cfg = *opt.Config
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(string) {}
	}
	shipped, err := DefaultExamples(task)
	if err != nil {
		return res, err
	}
	stored, err := st.Examples(ctx, task)
	if err != nil {
		return res, err
	}
	all := append(append([]classify.Example{}, shipped...), stored...)
	holdOut := opt.HoldOut
	if holdOut <= 0 {
		holdOut = 0.15
	}
	train, held := classify.StratifiedSplit(all, holdOut, 20261123)
	progress(fmt.Sprintf("retrain %s: %d shipped + %d stored examples; %d train, %d held out", task, len(shipped), len(stored), len(train), len(held)))
	start := time.Now()
	m, err := classify.Train(ctx, train, nil, cfg, progress)
	if err != nil {
		return res, err
	}
	res.Metrics = classify.Evaluate(m, held)
	res.Metrics.NTrain, res.Metrics.TrainSeconds = len(train), time.Since(start).Seconds()
	prev, pv, hasPrev, err := st.ActiveModel(ctx, task)
	if err != nil {
		return res, err
	}
	res.Activated, res.Reason = true, "no active model"
	if hasPrev {
		pm := classify.Evaluate(prev, held)
		res.Previous, res.PreviousMetrics = &pv, &pm
		switch {
		case res.Metrics.Accuracy > pm.Accuracy+1e-9:
			res.Reason = fmt.Sprintf("accuracy %.4f > %.4f", res.Metrics.Accuracy, pm.Accuracy)
		case res.Metrics.Accuracy >= pm.Accuracy-1e-9 && res.Metrics.MacroF1 >= pm.MacroF1-1e-9:
			res.Reason = fmt.Sprintf("not worse: accuracy %.4f, macro-F1 %.4f vs %.4f", res.Metrics.Accuracy, res.Metrics.MacroF1, pm.MacroF1)
		default:
			res.Activated = false
			res.Reason = fmt.Sprintf("worse than active v%d: accuracy %.4f vs %.4f, macro-F1 %.4f vs %.4f",
				pv.Version, res.Metrics.Accuracy, pm.Accuracy, res.Metrics.MacroF1, pm.MacroF1)
		}
	}
	note := "retrain: " + res.Reason
	res.Version, err = st.SaveVersion(ctx, task, m, res.Metrics, len(all), note)
	if err != nil {
		return res, err
	}
	if res.Activated {
		if err := st.Activate(ctx, task, res.Version); err != nil {
			return res, err
		}
	}
	progress(fmt.Sprintf("stored %s v%d (accuracy %.4f); activated: %v (%s)", task, res.Version, res.Metrics.Accuracy, res.Activated, res.Reason))
	return res, nil
}

// Rollback re-activates a stored version.
func Rollback(ctx context.Context, st *Store, task string, version int64) error {
	if _, err := ConfigFor(task); err != nil {
		return err
	}
	return st.Activate(ctx, task, version)
}

// LoadActive puts the store's active models into the engine (the shipped default stays for
// tasks without an active version). The server calls it at start and after a retrain job.
func LoadActive(ctx context.Context, st *Store, e *Engine) error {
	for _, task := range []string{TaskIntent, TaskSentiment} {
		m, _, ok, err := st.ActiveModel(ctx, task)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if task == TaskIntent {
			e.SetIntentModel(m)
		} else {
			e.SetSentimentModel(m)
		}
	}
	return nil
}

// UpToDate reports whether retraining task would only repeat the last training: the newest
// stored model was trained on as many examples (shipped plus stored) as there are now and no
// example was stored after it; or, with no stored model, there are no stored examples either
// (the engine runs the shipped model, trained from the same data at start). reason says why
// not, for the log.
func UpToDate(ctx context.Context, st *Store, task string) (ok bool, reason string, err error) {
	shipped, err := DefaultExamples(task)
	if err != nil {
		return false, "", err
	}
	var stored int64
	if err := st.db.QueryRow(ctx, `SELECT COUNT(*) FROM nlu_examples WHERE task = ?`, task).Scan(&stored); err != nil {
		return false, "", err
	}
	versions, err := st.Versions(ctx, task)
	if err != nil {
		return false, "", err
	}
	if len(versions) == 0 {
		if stored == 0 {
			return true, "", nil
		}
		return false, fmt.Sprintf("%d stored examples and no model trained on them", stored), nil
	}
	newest := versions[0]
	if n := int64(len(shipped)) + stored; n != newest.NExamples {
		return false, fmt.Sprintf("%d examples now, v%d was trained on %d", n, newest.Version, newest.NExamples), nil
	}
	if stored > 0 {
		var last time.Time
		if err := st.db.QueryRow(ctx, `SELECT created_at FROM nlu_examples WHERE task = ? ORDER BY id DESC LIMIT 1`, task).Scan(&last); err != nil {
			return false, "", err
		}
		if last.After(newest.CreatedAt) {
			return false, fmt.Sprintf("examples stored since v%d", newest.Version), nil
		}
	}
	return true, "", nil
}
