package monri

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"
)

// backoffSamples is how many waits each check draws. Backoff draws uniformly
// from [lo, hi] (lo = waitMin/2, hi = min(waitMin*2^n, waitMax)), so with
// this many samples every check below fails by chance with a probability
// under 1e-40 (bounds worked out beside each check): the test does not flake.
const backoffSamples = 20001

// sampleBackoff returns backoffSamples waits for attempt, sorted.
func sampleBackoff(waitMin, waitMax time.Duration, attempt int) []time.Duration {
	d := make([]time.Duration, backoffSamples)
	for i := range d {
		d[i] = Backoff(waitMin, waitMax, attempt, nil)
	}
	slices.Sort(d)
	return d
}

// checkUniform checks that sorted samples look drawn from [lo, hi]:
//   - all within [lo, hi];
//   - the largest above lo + 0.99*(hi-lo): all samples below it has
//     probability 0.99^20001 < 1e-87;
//   - the median within 10% of (lo+hi)/2: 10% of the midpoint is at least 5%
//     of the range (the midpoint is at least half the range), and a sample
//     median of n draws strays 5% of the range from the middle with
//     probability at most 2*exp(-2*n*0.05^2) = 2*exp(-100) < 1e-43
//     (Hoeffding).
func checkUniform(t *testing.T, what string, d []time.Duration, lo, hi time.Duration) {
	t.Helper()
	if d[0] < lo || d[len(d)-1] > hi {
		t.Errorf("%s: waits from %v to %v, want within [%v, %v]", what, d[0], d[len(d)-1], lo, hi)
	}
	if top := lo + (hi-lo)*99/100; d[len(d)-1] < top {
		t.Errorf("%s: the longest of %d waits is %v, want at least %v (the bound is %v)", what, len(d), d[len(d)-1], top, hi)
	}
	mid := (lo + hi) / 2
	if median := d[len(d)/2]; median < mid*9/10 || median > mid*11/10 {
		t.Errorf("%s: median wait %v, want within 10%% of %v", what, median, mid)
	}
}

// TestBackoffGrowsExponentially: the upper bound doubles with each attempt
// and the waits fill the range up to it, so the longest wait at attempt n
// exceeds the bound of attempt n-1 and the median grows with n. A constant
// bound (waitMin for every attempt), linear growth or a lost jitter fail.
func TestBackoffGrowsExponentially(t *testing.T) {
	const waitMin = 100 * time.Millisecond
	const waitMax = waitMin << 10 // not reached before attempt 10
	var prevMedian time.Duration
	for attempt := range 10 {
		d := sampleBackoff(waitMin, waitMax, attempt)
		hi := waitMin << attempt
		checkUniform(t, "attempt "+strconv.Itoa(attempt), d, waitMin/2, hi)
		if attempt > 0 && d[len(d)-1] <= hi/2 {
			t.Errorf("attempt %d: the longest wait %v does not exceed attempt %d's bound %v", attempt, d[len(d)-1], attempt-1, hi/2)
		}
		if median := d[len(d)/2]; median <= prevMedian {
			t.Errorf("attempt %d: median wait %v, not above attempt %d's %v", attempt, median, attempt-1, prevMedian)
		} else {
			prevMedian = median
		}
	}
}

// TestBackoffCappedAtWaitMax: once waitMin*2^n passes waitMax the waits
// spread over [waitMin/2, waitMax], up to attempts where 2^n overflows.
func TestBackoffCappedAtWaitMax(t *testing.T) {
	const waitMin = 100 * time.Millisecond
	const waitMax = time.Second
	for _, attempt := range []int{4, 5, 10, 29, 30, 31, 62, 63, 64, 1000} {
		checkUniform(t, "attempt "+strconv.Itoa(attempt), sampleBackoff(waitMin, waitMax, attempt), waitMin/2, waitMax)
	}
	// waitMax below waitMin/2: every wait is waitMax.
	for _, attempt := range []int{0, 3, 100} {
		if d := sampleBackoff(time.Second, 300*time.Millisecond, attempt); d[0] != 300*time.Millisecond || d[len(d)-1] != 300*time.Millisecond {
			t.Errorf("waitMin 1s, waitMax 300ms, attempt %d: waits from %v to %v, want 300ms", attempt, d[0], d[len(d)-1])
		}
	}
}

// TestBackoffRetryAfterWins: a Retry-After header (seconds or HTTP date)
// replaces the computed wait, shorter or longer, capped at waitMax; one that
// cannot be read leaves the exponential backoff.
func TestBackoffRetryAfterWins(t *testing.T) {
	const waitMin = 100 * time.Millisecond
	const waitMax = 10 * time.Second
	for _, tc := range []struct {
		header  string
		attempt int
		want    time.Duration
	}{
		{"3", 0, 3 * time.Second},               // longer than attempt 0's longest wait (100ms)
		{"0", 8, 0},                             // shorter than the shortest wait (waitMin/2)
		{"1", 8, time.Second},                   // attempt 8 alone would wait up to 10s
		{" 2 ", 1, 2 * time.Second},             // surrounding spaces
		{"60", 0, waitMax},                      // capped
		{"Sun, 06 Nov 1994 08:49:37 GMT", 5, 0}, // a date in the past: retry now
	} {
		for range 100 {
			if got := Backoff(waitMin, waitMax, tc.attempt, &http.Response{Header: http.Header{"Retry-After": {tc.header}}}); got != tc.want {
				t.Fatalf("Retry-After %q at attempt %d: waited %v, want %v", tc.header, tc.attempt, got, tc.want)
			}
		}
	}
	// A date 5 s ahead (whole seconds, so 4 to 5 s from now), and one beyond
	// waitMax.
	soon := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
	if got := Backoff(waitMin, waitMax, 0, &http.Response{Header: http.Header{"Retry-After": {soon}}}); got < 3*time.Second || got > 5*time.Second {
		t.Errorf("Retry-After %q: waited %v, want about 5s", soon, got)
	}
	later := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	if got := Backoff(waitMin, waitMax, 0, &http.Response{Header: http.Header{"Retry-After": {later}}}); got != waitMax {
		t.Errorf("Retry-After %q: waited %v, want %v", later, got, waitMax)
	}
	// Unreadable or negative: the exponential backoff for the attempt.
	for _, v := range []string{"soon", "-5", "1.5", ""} {
		d := make([]time.Duration, backoffSamples)
		for i := range d {
			d[i] = Backoff(waitMin, waitMax, 3, &http.Response{Header: http.Header{"Retry-After": {v}}})
		}
		slices.Sort(d)
		checkUniform(t, "Retry-After "+strconv.Quote(v), d, waitMin/2, waitMin<<3)
	}
}
