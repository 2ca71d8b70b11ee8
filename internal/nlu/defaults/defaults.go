// Package defaults holds kefu's shipped NLU training data, written by the kefu authors.
package defaults

import "embed"

// FS holds intent_train.csv, intent_dev.csv, intent_test.csv, sentiment_train.csv and
// sentiment_test.csv (columns text,label,lang).
//
//go:embed *.csv
var FS embed.FS
