// Package metrics is a small Prometheus text-format registry: counters, gauges and latency
// histograms with labels. kefu needs only these, so it does without the client library's
// dependency tree.
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Registry holds metric families.
type Registry struct {
	mu       sync.Mutex
	families map[string]*family
}

// Default is the process-wide registry served at /metrics.
var Default = NewRegistry()

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{families: map[string]*family{}} }

type family struct {
	name, help, kind string
	labels           []string
	buckets          []float64
	mu               sync.Mutex
	series           map[string]*series
	gaugeFunc        func() float64
}

type series struct {
	labelValues []string
	value       atomic.Uint64 // float64 bits for counters/gauges
	counts      []atomic.Uint64
	sum         atomic.Uint64 // float64 bits
	count       atomic.Uint64
}

func (r *Registry) family(name, help, kind string, labels []string, buckets []float64) *family {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f, ok := r.families[name]; ok {
		return f
	}
	f := &family{name: name, help: help, kind: kind, labels: labels, buckets: buckets, series: map[string]*series{}}
	r.families[name] = f
	return f
}

func (f *family) with(values []string) *series {
	if len(values) != len(f.labels) {
		panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", f.name, len(f.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.series[key]
	if !ok {
		s = &series{labelValues: append([]string(nil), values...), counts: make([]atomic.Uint64, len(f.buckets))}
		f.series[key] = s
	}
	return s
}

func addFloat(u *atomic.Uint64, d float64) {
	for {
		old := u.Load()
		if u.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Counter is a monotonically increasing count.
type Counter struct{ f *family }

// NewCounter registers a counter family.
func (r *Registry) NewCounter(name, help string, labels ...string) Counter {
	return Counter{r.family(name, help, "counter", labels, nil)}
}

// Inc adds one to the series with these label values.
func (c Counter) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Add adds d (≥ 0).
func (c Counter) Add(d float64, labelValues ...string) { addFloat(&c.f.with(labelValues).value, d) }

// Gauge is a value that goes up and down.
type Gauge struct{ f *family }

// NewGauge registers a gauge family.
func (r *Registry) NewGauge(name, help string, labels ...string) Gauge {
	return Gauge{r.family(name, help, "gauge", labels, nil)}
}

// Add changes the gauge by d.
func (g Gauge) Add(d float64, labelValues ...string) { addFloat(&g.f.with(labelValues).value, d) }

// Set sets the gauge.
func (g Gauge) Set(v float64, labelValues ...string) {
	g.f.with(labelValues).value.Store(math.Float64bits(v))
}

// NewGaugeFunc registers an unlabelled gauge read at scrape time.
func (r *Registry) NewGaugeFunc(name, help string, fn func() float64) {
	f := r.family(name, help, "gauge", nil, nil)
	f.gaugeFunc = fn
}

// Histogram counts observations into buckets.
type Histogram struct{ f *family }

// LatencyBuckets suit request and job latencies in seconds.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// ReplyBuckets resolve the tens of milliseconds a realtime reply takes, finely enough to
// read a p99 against a 50 ms goal.
var ReplyBuckets = []float64{0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05,
	0.06, 0.07, 0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2, 5, 10}

// NewHistogram registers a histogram family.
func (r *Registry) NewHistogram(name, help string, buckets []float64, labels ...string) Histogram {
	return Histogram{r.family(name, help, "histogram", labels, buckets)}
}

// Observe records a value.
func (h Histogram) Observe(v float64, labelValues ...string) {
	s := h.f.with(labelValues)
	for i, b := range h.f.buckets {
		if v <= b {
			s.counts[i].Add(1)
		}
	}
	addFloat(&s.sum, v)
	s.count.Add(1)
}

// Since observes the seconds elapsed since start.
func (h Histogram) Since(start time.Time, labelValues ...string) {
	h.Observe(time.Since(start).Seconds(), labelValues...)
}

// WriteText writes every family in the Prometheus text exposition format.
func (r *Registry) WriteText(w io.Writer) {
	r.mu.Lock()
	names := make([]string, 0, len(r.families))
	for n := range r.families {
		names = append(names, n)
	}
	r.mu.Unlock()
	sort.Strings(names)
	for _, n := range names {
		r.mu.Lock()
		f := r.families[n]
		r.mu.Unlock()
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.kind)
		if f.gaugeFunc != nil {
			fmt.Fprintf(w, "%s %s\n", f.name, num(f.gaugeFunc()))
			continue
		}
		f.mu.Lock()
		keys := make([]string, 0, len(f.series))
		for k := range f.series {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		all := make([]*series, len(keys))
		for i, k := range keys {
			all[i] = f.series[k]
		}
		f.mu.Unlock()
		for _, s := range all {
			lbl := labelText(f.labels, s.labelValues, "")
			if f.kind != "histogram" {
				fmt.Fprintf(w, "%s%s %s\n", f.name, lbl, num(math.Float64frombits(s.value.Load())))
				continue
			}
			for i, b := range f.buckets {
				fmt.Fprintf(w, "%s_bucket%s %d\n", f.name, labelText(f.labels, s.labelValues, num(b)), s.counts[i].Load())
			}
			fmt.Fprintf(w, "%s_bucket%s %d\n", f.name, labelText(f.labels, s.labelValues, "+Inf"), s.count.Load())
			fmt.Fprintf(w, "%s_sum%s %s\n", f.name, lbl, num(math.Float64frombits(s.sum.Load())))
			fmt.Fprintf(w, "%s_count%s %d\n", f.name, lbl, s.count.Load())
		}
	}
}

func num(v float64) string { return fmt.Sprintf("%g", v) }

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func labelText(names, values []string, le string) string {
	if len(names) == 0 && le == "" {
		return ""
	}
	parts := make([]string, 0, len(names)+1)
	for i, n := range names {
		parts = append(parts, fmt.Sprintf(`%s="%s"`, n, labelEscaper.Replace(values[i])))
	}
	if le != "" {
		parts = append(parts, fmt.Sprintf(`le="%s"`, le))
	}
	return "{" + strings.Join(parts, ",") + "}"
}
