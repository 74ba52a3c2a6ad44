package sandbox

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkCreateCustomers measures POST /v2/customers over loopback HTTP
// with 10 concurrent clients, in memory and with Options.StatePath (without
// and with fsync: StateSync), starting from an empty store and from
// one already holding 19,000 customers. The
// cost per create of a durable store must not grow with its size:
//
//	go test ./internal/sandbox -run '^$' -bench BenchmarkCreateCustomers -benchtime 1000x
//	go test ./internal/sandbox -run '^$' -bench 'BenchmarkCreateCustomers/from=0' -benchtime 10000x
//
// (make bench-sandbox runs both.) It is not part of make test.
func BenchmarkCreateCustomers(b *testing.B) {
	for _, from := range []int{0, 19000} {
		for _, kind := range []string{"memory", "state", "state-sync"} {
			b.Run(fmt.Sprintf("from=%d/store=%s", from, kind), func(b *testing.B) {
				opts := Options{}
				if kind != "memory" {
					opts.StatePath = filepath.Join(b.TempDir(), "state.db")
					opts.StateSync = kind == "state-sync"
				}
				s, err := Start(opts)
				if err != nil {
					b.Fatal(err)
				}
				defer func() { _ = s.Close() }()
				s.SeedCustomers(from, "seed")
				benchCreates(b, s, 10)
			})
		}
	}
}

// benchCreates sends b.N creates from clients goroutines.
func benchCreates(b *testing.B, s *Server, clients int) {
	b.Helper()
	token, key := s.Credentials()
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(b.N) {
					return
				}
				if err := benchCreate(client, s.URL(), token, key, n); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
}

func benchCreate(client *http.Client, baseURL, token, key string, n int64) error {
	body := fmt.Sprintf(`{"merchant_customer_id":"bench-%d","name":"Bench %d","email":"bench-%d@example.com","city":"Sarajevo","country":"BA","metadata":{"n":"%d"}}`, n, n, n, n)
	req, err := http.NewRequest(http.MethodPost, baseURL+"/v2/customers", strings.NewReader(body)) //nolint:noctx // benchmark; the client has a timeout.
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha512.Sum512([]byte(key + ts + token + "/v2/customers" + body))
	req.Header.Set("Authorization", "WP3-v2.1 "+token+" "+ts+" "+hex.EncodeToString(sum[:]))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("create %d: %d %s", n, resp.StatusCode, b)
	}
	return nil
}
