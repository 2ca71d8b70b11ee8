package textseg

import (
	"bufio"
	_ "embed"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// dictZH is kefu's own hand-written word list (see the file header). It is compiled into the
// binary, so segmentation never depends on files at run time.
//
//go:embed dict_zh.txt
var dictZH string

const (
	defaultFreq  = 100.0
	userFreq     = 2000.0 // domain words added at run time should win over generic splits
	unknownFreq  = 0.5    // a Han character that is not a word on its own
	maxWordUnits = 16
)

type dictionary struct {
	logp     map[string]float64 // log probability of each word
	maxUnits int
	logTotal float64
}

var (
	baseOnce sync.Once
	base     *dictionary
	// user holds run-time domain words (normalised → log probability). It is replaced as a whole
	// on every AddWords (copy on write), so Segment reads it without locks.
	user   atomic.Pointer[map[string]float64]
	userMu sync.Mutex
)

func baseDict() *dictionary {
	baseOnce.Do(func() { base = parseDict(dictZH) })
	return base
}

func parseDict(text string) *dictionary {
	freq := map[string]float64{}
	total := 0.0
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		for _, f := range strings.Fields(line) {
			w, n := f, defaultFreq
			if i := strings.LastIndexByte(f, ':'); i > 0 {
				if v, err := strconv.ParseFloat(f[i+1:], 64); err == nil && v > 0 {
					w, n = f[:i], v
				}
			}
			w = Normalize(w)
			if w == "" {
				continue
			}
			if _, dup := freq[w]; !dup {
				total += n
			}
			freq[w] = max(freq[w], n)
		}
	}
	d := &dictionary{logp: make(map[string]float64, len(freq)), logTotal: math.Log(total)}
	for w, n := range freq {
		d.logp[w] = math.Log(n) - d.logTotal
		d.maxUnits = max(d.maxUnits, min(len(units(w)), maxWordUnits))
	}
	return d
}

// AddWords adds domain words (product names, brands) to the segmenter. Words are normalised
// first; empty ones are ignored. Safe for concurrent use with Segment.
func AddWords(words ...string) {
	userMu.Lock()
	defer userMu.Unlock()
	next := map[string]float64{}
	if old := user.Load(); old != nil {
		for w, p := range *old {
			next[w] = p
		}
	}
	lp := math.Log(userFreq) - baseDict().logTotal
	added := false
	for _, w := range words {
		w = Normalize(w)
		if w == "" || strings.ContainsRune(w, ' ') || utf8.RuneCountInString(w) > 64 {
			continue // the segmenter works within runs without spaces
		}
		next[w] = lp
		added = true
	}
	if added {
		user.Store(&next)
	}
}

// unit is one indivisible piece of a run: a Han character or a maximal run of other letters
// and digits ("iphone15"). Dictionary words are sequences of units, so mixed product names
// such as "小米手环8" can be single words.
type unit struct{ start, end int } // byte offsets into the normalised text

// units splits a normalised, space-free string into units (used for dictionary words).
func units(s string) []unit {
	var out []unit
	forEachRun(s, func(run string, us []unit) { out = append(out, us...) })
	return out
}

// forEachRun calls fn for every maximal run of word characters (Han or letters/digits) in the
// normalised string s, with the run's units (offsets relative to the start of s).
func forEachRun(s string, fn func(run string, us []unit)) {
	var us []unit
	runStart := -1
	flush := func(end int) {
		if runStart >= 0 && len(us) > 0 {
			rel := make([]unit, len(us))
			for i, u := range us {
				rel[i] = unit{u.start - runStart, u.end - runStart}
			}
			fn(s[runStart:end], rel)
		}
		us = us[:0]
		runStart = -1
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case IsHan(r):
			if runStart < 0 {
				runStart = i
			}
			us = append(us, unit{i, i + size})
			i += size
		case isWordRune(r):
			if runStart < 0 {
				runStart = i
			}
			j := i + size
			for j < len(s) {
				r2, s2 := utf8.DecodeRuneInString(s[j:])
				if IsHan(r2) || !isWordRune(r2) {
					// keep apostrophes inside English words: "don't", "what's"
					if r2 == '\'' && j+1 < len(s) {
						if r3, _ := utf8.DecodeRuneInString(s[j+1:]); isWordRune(r3) && !IsHan(r3) {
							j += 1
							continue
						}
					}
					break
				}
				j += s2
			}
			us = append(us, unit{i, j})
			i = j
		default:
			flush(i)
			i += size
		}
	}
	flush(len(s))
}

// Segment normalises s and returns its words: Chinese runs are cut by the most probable path
// through the dictionary (kefu's word list plus AddWords), other scripts by letters and
// digits. Punctuation, symbols and emoji produce no tokens.
func Segment(s string) []string {
	return SegmentNormalized(Normalize(s))
}

// SegmentNormalized is Segment for text that is already the output of Normalize.
func SegmentNormalized(s string) []string {
	d := baseDict()
	var extra map[string]float64
	if p := user.Load(); p != nil {
		extra = *p
	}
	maxUnits := d.maxUnits
	if extra != nil {
		maxUnits = maxWordUnits
	}
	out := make([]string, 0, len(s)/3+1)
	forEachRun(s, func(run string, us []unit) {
		out = cutRun(out, run, us, d, extra, maxUnits)
	})
	return out
}

// cutRun finds the maximum-probability segmentation of one run (dynamic programming from the
// right over the DAG of dictionary words, as jieba does) and appends the words to out.
func cutRun(out []string, run string, us []unit, d *dictionary, extra map[string]float64, maxUnits int) []string {
	n := len(us)
	if n == 1 {
		return append(out, run)
	}
	unknown := math.Log(unknownFreq) - d.logTotal
	single := math.Log(defaultFreq) - d.logTotal // a non-Han unit ("iphone15") is a word by itself
	best := make([]float64, n+1)
	next := make([]int, n+1)
	for i := n - 1; i >= 0; i-- {
		best[i] = math.Inf(-1)
		for j := i + 1; j <= n && j-i <= maxUnits; j++ {
			w := run[us[i].start:us[j-1].end]
			lp, ok := extra[w]
			if !ok {
				lp, ok = d.logp[w]
			}
			if !ok {
				if j != i+1 {
					continue
				}
				lp = unknown
				if r, _ := utf8.DecodeRuneInString(w); !IsHan(r) {
					lp = single
				}
			}
			if score := lp + best[j]; score > best[i] {
				best[i], next[i] = score, j
			}
		}
	}
	for i := 0; i < n; i = next[i] {
		out = append(out, run[us[i].start:us[next[i]-1].end])
	}
	return out
}

// SegmentForSearch is Segment plus the dictionary words inside each long word, so an index
// built from it matches both "售后服务" and "售后"/"服务" (like jieba's search mode). The
// sub-words follow the word that contains them.
func SegmentForSearch(s string) []string {
	words := Segment(s)
	d := baseDict()
	var extra map[string]float64
	if p := user.Load(); p != nil {
		extra = *p
	}
	out := make([]string, 0, len(words)*2)
	for _, w := range words {
		out = append(out, w)
		us := units(w)
		if len(us) < 3 {
			continue
		}
		for n := 2; n < len(us); n++ {
			for i := 0; i+n <= len(us); i++ {
				sub := w[us[i].start:us[i+n-1].end]
				if _, ok := d.logp[sub]; ok {
					out = append(out, sub)
				} else if _, ok := extra[sub]; ok {
					out = append(out, sub)
				}
			}
		}
	}
	return out
}
