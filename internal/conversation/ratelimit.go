package conversation

import (
	"sync"
	"time"
)

// Bucket is a token bucket: rate tokens per second up to burst. Not safe for concurrent use.
type Bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// NewBucket returns a full bucket.
func NewBucket(rate float64, burst int, now time.Time) *Bucket {
	return &Bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

// Take spends one token if there is one; otherwise it says how long until there will be.
func (b *Bucket) Take(now time.Time) (bool, time.Duration) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.burst, b.tokens+el*b.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	if b.rate <= 0 {
		return false, time.Hour
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

func (b *Bucket) full(now time.Time) bool {
	return b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst
}

// RateLimiter keeps one bucket per key (a visitor, a user, an IP) in memory. Buckets that
// have refilled are swept, so memory follows the number of active clients.
type RateLimiter struct {
	mu        sync.Mutex
	rate      float64
	burst     int
	buckets   map[string]*Bucket
	lastSweep time.Time
	Now       func() time.Time
}

// NewRateLimiter allows rate events per second per key with bursts of burst.
func NewRateLimiter(rate float64, burst int) *RateLimiter {
	return &RateLimiter{rate: rate, burst: burst, buckets: map[string]*Bucket{}, Now: time.Now}
}

// Allow spends one token of key's bucket.
func (l *RateLimiter) Allow(key string) (bool, time.Duration) {
	now := l.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if b.full(now) {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = NewBucket(l.rate, l.burst, now)
		l.buckets[key] = b
	}
	return b.Take(now)
}

// AllowSend spends one message from a participant's budget (key: Visitor.Key() or "u:<user id>").
// REST handlers call it; the realtime connection applies the same budget itself.
func (s *Service) AllowSend(key string) (bool, time.Duration) { return s.sendLimiter.Allow(key) }
