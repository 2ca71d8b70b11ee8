package classify

import (
	"encoding/csv"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"kefu/internal/apperr"
)

// ReadExamples reads a UTF-8 CSV with a header naming a text column ("text" or "sentence")
// and a "label" column; other columns (lang, category) are ignored. Rows with an empty label
// are skipped.
func ReadExamples(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	head, err := cr.Read()
	if err != nil {
		return nil, apperr.BadRequest("nlu_bad_csv", "cannot read the CSV header").Wrap(err)
	}
	ti, li := -1, -1
	for i, h := range head {
		switch strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) {
		case "text", "sentence", "review":
			ti = i
		case "label", "intent":
			li = i
		}
	}
	if ti < 0 || li < 0 {
		return nil, apperr.BadRequest("nlu_bad_csv", "the CSV header needs text and label columns")
	}
	var out []Example
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, apperr.BadRequest("nlu_bad_csv", "malformed CSV row").Wrap(err)
		}
		if ti >= len(rec) || li >= len(rec) || strings.TrimSpace(rec[li]) == "" {
			continue
		}
		out = append(out, Example{Text: rec[ti], Label: strings.TrimSpace(rec[li])})
	}
	return out, nil
}

// Metrics is the result of evaluating a model on a labelled test set. The oos fields are set
// only when the test set has out-of-scope rows.
type Metrics struct {
	Accuracy        float64  `json:"accuracy"`
	MacroF1         float64  `json:"macro_f1"`
	NTrain          int      `json:"n_train"`
	NTest           int      `json:"n_test"`
	TrainSeconds    float64  `json:"train_seconds"`
	PredictP50us    float64  `json:"predict_p50_us"`
	PredictP99us    float64  `json:"predict_p99_us"`
	InScopeAccuracy *float64 `json:"in_scope_accuracy,omitempty"`
	OOSRecall       *float64 `json:"oos_recall,omitempty"`
	OOSPrecision    *float64 `json:"oos_precision,omitempty"`
}

// Evaluate predicts every test row and scores the predictions. Accuracy and macro-F1 count
// oos as one more class; in-scope accuracy counts an oos prediction on an in-scope row as
// wrong. Latency is wall time per Predict call.
func Evaluate(m *Model, test []Example) Metrics {
	test = cleanExamples(test)
	met := Metrics{NTest: len(test)}
	if len(test) == 0 {
		return met
	}
	preds := make([]string, len(test))
	lat := make([]time.Duration, len(test))
	// Collect what training left behind first: a serving process predicts on a settled heap,
	// and a collection of the training garbage in the middle of the loop would be charged to
	// a few unlucky predictions' latency.
	runtime.GC()
	for i, e := range test {
		start := time.Now()
		preds[i] = m.Predict(e.Text).Label
		lat[i] = time.Since(start)
	}
	slices.Sort(lat)
	met.PredictP50us = float64(lat[len(lat)/2].Nanoseconds()) / 1e3
	met.PredictP99us = float64(lat[min(len(lat)-1, len(lat)*99/100)].Nanoseconds()) / 1e3
	gold := make([]string, len(test))
	for i, e := range test {
		gold[i] = e.Label
	}
	met.Accuracy, met.MacroF1 = AccuracyF1(gold, preds)
	inN, inOK, oN, oOK, predO := 0, 0, 0, 0, 0
	for i := range gold {
		if preds[i] == OOS {
			predO++
		}
		if gold[i] == OOS {
			oN++
			if preds[i] == OOS {
				oOK++
			}
		} else {
			inN++
			if preds[i] == gold[i] {
				inOK++
			}
		}
	}
	if oN > 0 {
		in := float64(inOK) / float64(max(inN, 1))
		rec := float64(oOK) / float64(oN)
		prec := 0.0
		if predO > 0 {
			prec = float64(oOK) / float64(predO)
		}
		met.InScopeAccuracy, met.OOSRecall, met.OOSPrecision = &in, &rec, &prec
	}
	return met
}

// AccuracyF1 returns accuracy and macro-averaged F1 over the union of gold and predicted labels.
func AccuracyF1(gold, pred []string) (acc, macroF1 float64) {
	tp, fp, fn := map[string]int{}, map[string]int{}, map[string]int{}
	labels := map[string]bool{}
	ok := 0
	for i := range gold {
		labels[gold[i]], labels[pred[i]] = true, true
		if gold[i] == pred[i] {
			ok++
			tp[gold[i]]++
		} else {
			fp[pred[i]]++
			fn[gold[i]]++
		}
	}
	if len(gold) == 0 {
		return 0, 0
	}
	sum := 0.0
	for l := range labels {
		d := 2*tp[l] + fp[l] + fn[l]
		if d > 0 {
			sum += 2 * float64(tp[l]) / float64(d)
		}
	}
	return float64(ok) / float64(len(gold)), sum / float64(len(labels))
}
