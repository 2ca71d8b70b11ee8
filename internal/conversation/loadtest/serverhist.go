package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// replyMetric is the server's own bot-reply histogram (see conversation.botReplySeconds): from
// reading the customer's frame to writing the bot's first reply. The latency phase reads it
// before and after sending, so the report carries the server-side figure next to the
// client-side one (which also holds the load generator's own scheduling on a shared machine).
const replyMetric = "kefu_bot_reply_seconds"

// histogram is one scrape of a Prometheus histogram: cumulative counts per upper bound.
type histogram struct {
	bounds []float64 // ascending, +Inf last
	counts []float64
}

// scrapeHistogram reads one unlabelled histogram from the server's /metrics.
func scrapeHistogram(ctx context.Context, baseURL, name string) (histogram, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", baseURL+"/metrics", nil)
	if err != nil {
		return histogram{}, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return histogram{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return histogram{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	return parseHistogram(bufio.NewScanner(resp.Body), name)
}

// parseHistogram picks name_bucket{le="…"} lines out of the text exposition format.
func parseHistogram(sc *bufio.Scanner, name string) (histogram, error) {
	var h histogram
	prefix := name + `_bucket{le="`
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		rest := line[len(prefix):]
		end := strings.Index(rest, `"}`)
		if end < 0 {
			return histogram{}, fmt.Errorf("metrics: bad bucket line %q", line)
		}
		le, err := strconv.ParseFloat(rest[:end], 64) // "+Inf" parses as +Inf
		if err != nil {
			return histogram{}, fmt.Errorf("metrics: bad bound in %q", line)
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(rest[end+2:]), 64)
		if err != nil {
			return histogram{}, fmt.Errorf("metrics: bad count in %q", line)
		}
		h.bounds, h.counts = append(h.bounds, le), append(h.counts, n)
	}
	if err := sc.Err(); err != nil {
		return histogram{}, err
	}
	if !slices.IsSorted(h.bounds) {
		return histogram{}, fmt.Errorf("metrics: %s buckets out of order", name)
	}
	return h, nil
}

// distBetween is the distribution of the observations made between two scrapes, its
// quantiles interpolated linearly inside a bucket (as Prometheus's histogram_quantile does),
// so they are accurate to the bucket width. Max is the upper bound of the highest bucket
// that gained an observation.
func distBetween(before, after histogram) Dist {
	if len(after.bounds) == 0 || (len(before.bounds) > 0 && !slices.Equal(before.bounds, after.bounds)) {
		return Dist{}
	}
	delta := make([]float64, len(after.counts))
	for i := range delta {
		delta[i] = after.counts[i]
		if len(before.counts) > 0 {
			delta[i] -= before.counts[i]
		}
	}
	total := delta[len(delta)-1]
	if total <= 0 {
		return Dist{}
	}
	q := func(p float64) float64 {
		rank := p * total
		lower, below := 0.0, 0.0
		for i, c := range delta {
			if c >= rank {
				upper := after.bounds[i]
				if math.IsInf(upper, 1) {
					return lower * 1000 // past the last finite bound: all we know is "more than"
				}
				frac := 0.0
				if c > below {
					frac = (rank - below) / (c - below)
				}
				return (lower + (upper-lower)*frac) * 1000
			}
			lower, below = after.bounds[i], c
		}
		return lower * 1000
	}
	d := Dist{N: int(total), P50: q(0.50), P95: q(0.95), P99: q(0.99)}
	for i, c := range delta {
		if c == total {
			d.Max = after.bounds[i] * 1000
			if math.IsInf(after.bounds[i], 1) && i > 0 {
				d.Max = after.bounds[i-1] * 1000
			}
			break
		}
	}
	return d
}
