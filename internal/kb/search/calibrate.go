package search

import "math"

// The bot's three actions for a query, by the confidence of the first hit.
const (
	DecisionAnswer  = "answer"  // reply with the article
	DecisionSuggest = "suggest" // offer the top articles ("did you mean …?")
	DecisionHandoff = "handoff" // nothing fits well enough: hand over to a human
)

// Thresholds on the calibrated confidence. Answering needs the first hit to be right about
// nine times in ten on the dev sets; suggesting is worth it while the right entry is usually
// among the few shown.
var (
	AnswerThreshold  = 0.75
	SuggestThreshold = 0.35
)

// Decide maps a calibrated confidence to the bot's action.
func Decide(confidence float64) string {
	switch {
	case confidence >= AnswerThreshold:
		return DecisionAnswer
	case confidence >= SuggestThreshold:
		return DecisionSuggest
	}
	return DecisionHandoff
}

// Calibration is a logistic model of "the first hit is right" over two features that do not
// depend on the size of the knowledge base: r1, the first hit's relevance (its score over the
// score of a perfect match), and the margin r1-r2 to the second hit. A query whose words are
// all found in one entry and in no other is almost surely answered by it; one that shares a
// single common word with many entries is not.
type Calibration struct {
	Bias, Relevance, Margin float64
}

// DefaultCalibration was fitted on the dev sets (see `kefu kb eval`, which reports how well
// it is calibrated).
var DefaultCalibration = Calibration{Bias: -1.2, Relevance: 2.6, Margin: 14.5}

// Calibrate returns the probability that the first hit is right.
func Calibrate(r1, r2 float64) float64 { return DefaultCalibration.Prob(r1, r2) }

// Prob evaluates the model.
func (c Calibration) Prob(r1, r2 float64) float64 {
	z := c.Bias + c.Relevance*r1 + c.Margin*(r1-r2)
	return 1 / (1 + math.Exp(-z))
}
