package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Buckets and keys of a bolt store file. Records are the JSON of
// DumpCustomer and DumpPaymentMethod (the store's own form, not the API's),
// keyed by their sequence number (8 bytes, big-endian): new records are
// appended to the last page of the tree, whatever the number of records.
var (
	bucketCustomers      = []byte("customers")       // seq -> DumpCustomer
	bucketPaymentMethods = []byte("payment_methods") // seq -> DumpPaymentMethod
	bucketMeta           = []byte("meta")
	keyFormat            = []byte("format")
	keyCustomerSeq       = []byte("customer_seq")
	keyPaymentMethodSeq  = []byte("payment_method_seq")
)

// boltFormat identifies a file written by this package.
const boltFormat = "monri-sandbox-store/2"

// ErrJSONState is returned by OpenBolt for a JSON state file written by
// monri-sandbox before -state used bbolt.
var ErrJSONState = errors.New("store: the file is a JSON state file of an earlier monri-sandbox")

// boltStore is durable: every Update is committed to a bbolt file (fsync)
// before it returns. Reads are served from an in-memory index of the
// committed state, so they never wait for a commit; concurrent Updates
// are committed together by one goroutine (group commit).
type boltStore struct {
	db *bolt.DB

	mu sync.RWMutex // guards ix
	ix *index

	wmu       sync.Mutex // guards the fields below
	pending   layer      // staged writes not yet in ix, over lockedIndex
	seq       uint64     // counters handed out to writers
	pmSeq     uint64
	batch     *batch // open batch, or nil
	gen       uint64 // last batch number
	failed    error  // sticky: a commit failed, the file and ix may differ
	closed    bool
	kick      chan struct{} // cap 1: wakes the committer
	full      chan struct{} // cap 1: the open batch has the writers expected
	stop      chan struct{}
	committed chan struct{} // closed when the committer has stopped
	writers   int           // writers seen at the last commit
	// beforeCommit, if set (by tests), runs before each batch is written.
	beforeCommit func()
}

type batch struct {
	gen        uint64
	txns       []*txn
	seq, pmSeq uint64 // counters to record
	done       chan struct{}
	err        error
}

// lockedIndex reads the committed index under the read lock, for writers.
type lockedIndex struct{ s *boltStore }

func (l lockedIndex) customer(uuid string) (Customer, uint64, bool) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	return l.s.ix.customer(uuid)
}

func (l lockedIndex) liveOwner(mid string) (string, bool) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	return l.s.ix.liveOwner(mid)
}

func (l lockedIndex) hasPM(id string) bool {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	return l.s.ix.hasPM(id)
}

// BoltOptions tunes OpenBolt.
type BoltOptions struct {
	// NoSync commits without fsync: a commit is in the operating system's
	// hands (so a kill -9 of the process loses nothing acknowledged) but may
	// not be on the disk yet (a power loss or a kernel crash may lose the
	// last commits, or damage the file).
	NoSync bool
}

// OpenBolt opens (or creates) the bbolt store file at path and loads it
// into memory. A file another process holds open fails after a second. A
// JSON state file of an earlier monri-sandbox fails with ErrJSONState. A
// file that is damaged, cut short, or not a store of this package (another
// program's bbolt file, a store of another format) fails with an
// *UnusableError and is left as it was: never a crash, and never an empty
// store in place of the data the file held.
func OpenBolt(path string, o BoltOptions) (Store, error) {
	if err := refuseJSON(path); err != nil {
		return nil, err
	}
	existed, err := checkBoltFile(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &boltStore{
		ix:        newIndex(),
		kick:      make(chan struct{}, 1),
		full:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		committed: make(chan struct{}),
	}
	if panicked, err := s.open(path, o, existed); err != nil {
		if s.db != nil && !panicked {
			// After a panic bbolt may still hold its locks: Close could wait
			// forever. The file stays open until the process ends.
			_ = s.db.Close()
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s.pending = newLayer(lockedIndex{s})
	s.seq, s.pmSeq = max(s.seq, s.ix.seq), max(s.pmSeq, s.ix.pmSeq)
	go s.commitLoop()
	return s, nil
}

// open opens the file with bbolt and loads it. bbolt trusts the pages it
// reads: a damage checkBoltFile cannot see (a tree page overwritten with
// garbage) makes it panic, or read out of its mapping. Both become an
// UnusableError here (SetPanicOnFault turns the fault into a panic of this
// goroutine, which bbolt's Open and the load run on).
func (s *boltStore) open(path string, o BoltOptions, existed bool) (panicked bool, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			panicked, err = true, unusable("bbolt could not read it (%v): it was damaged or overwritten", r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: time.Second,
		// The freelist is rebuilt on open instead of written by every
		// commit; the data itself is synced as usual.
		NoFreelistSync: true,
		NoSync:         o.NoSync,
		// Map 256 MiB of address space up front: a remap, as the file
		// grows, waits for every transaction.
		InitialMmapSize: 256 << 20,
		FreelistType:    bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrChecksum) {
			return false, unusable("bbolt refused it (%v): it was damaged or overwritten", err)
		}
		return false, err
	}
	s.db = db
	return false, s.load(existed)
}

// refuseJSON returns ErrJSONState when path holds a JSON document.
func refuseJSON(path string) error {
	f, err := os.Open(path) //nolint:gosec // G304: the operator's own -state path.
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	head := make([]byte, 64)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	if t := bytes.TrimLeft(head[:n], " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return ErrJSONState
	}
	return nil
}

// load reads the store into memory. A file that has no store in it yet (a
// file bbolt has just created: no bucket, no commit beyond its first two)
// gets the buckets and the format marker; any other file must carry them.
// existed says whether the file was there before OpenBolt.
func (s *boltStore) load(existed bool) error {
	var custs []staged
	var pms []stagedPM
	err := s.db.Update(func(tx *bolt.Tx) error {
		if meta := tx.Bucket(bucketMeta); meta == nil || meta.Get(keyFormat) == nil {
			// A file bbolt initialised (two meta pages, txids 0 and 1) and
			// nothing committed since.
			fresh := tx.ID() <= 2
			if err := tx.ForEach(func([]byte, *bolt.Bucket) error {
				fresh = false
				return nil
			}); err != nil {
				return err
			}
			if existed && !fresh {
				return unusable("it is a bbolt database but holds no monri-sandbox store (no %q marker): another program's file, or a store whose pages were overwritten", keyFormat)
			}
			for _, name := range [][]byte{bucketCustomers, bucketPaymentMethods, bucketMeta} {
				if _, err := tx.CreateBucketIfNotExists(name); err != nil {
					return err
				}
			}
			if err := tx.Bucket(bucketMeta).Put(keyFormat, []byte(boltFormat)); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if f := meta.Get(keyFormat); string(f) != boltFormat {
			return unusable("it holds a store of format %q, and this monri-sandbox reads %q", f, boltFormat)
		}
		if tx.Bucket(bucketCustomers) == nil || tx.Bucket(bucketPaymentMethods) == nil {
			return unusable("its store lacks the customers or payment_methods bucket: it was damaged")
		}
		s.seq, s.pmSeq = getUint(meta, keyCustomerSeq), getUint(meta, keyPaymentMethodSeq)
		if err := tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			var rec DumpCustomer
			if err := json.Unmarshal(v, &rec); err != nil || len(k) != 8 || rec.Seq != binary.BigEndian.Uint64(k) || rec.UUID == "" {
				return unusable("its customer record %x is unreadable: it was damaged", k)
			}
			custs = append(custs, staged{c: rec.Clone(), seq: rec.Seq})
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketPaymentMethods).ForEach(func(k, v []byte) error {
			var rec DumpPaymentMethod
			if err := json.Unmarshal(v, &rec); err != nil || len(k) != 8 || rec.Seq != binary.BigEndian.Uint64(k) || rec.ID == "" {
				return unusable("its payment method record %x is unreadable: it was damaged", k)
			}
			pms = append(pms, stagedPM{pm: rec.PaymentMethod, seq: rec.Seq})
			return nil
		})
	})
	if err != nil {
		return err
	}
	return s.ix.load(custs, pms)
}

func getUint(b *bolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint(b *bolt.Bucket, key []byte, n uint64) error {
	return b.Put(key, binary.BigEndian.AppendUint64(nil, n))
}

func (s *boltStore) View(fn func(Reader)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.ix)
}

func (s *boltStore) Update(fn func(Writer) error) error {
	s.wmu.Lock()
	switch {
	case s.closed:
		s.wmu.Unlock()
		return ErrClosed
	case s.failed != nil:
		err := s.failed
		s.wmu.Unlock()
		return err
	}
	t := newTxn(&s.pending, &s.seq, &s.pmSeq)
	if err := fn(t); err != nil {
		s.wmu.Unlock()
		return err
	}
	if t.empty() {
		s.wmu.Unlock()
		return nil
	}
	if s.batch == nil {
		s.gen++
		s.batch = &batch{gen: s.gen, done: make(chan struct{})}
	}
	b := s.batch
	b.txns = append(b.txns, t)
	for _, uuid := range t.order {
		sc := t.custs[uuid]
		sc.gen = b.gen
		s.pending.put(sc)
	}
	for _, p := range t.pms {
		s.pending.pmIDs[p.pm.ID] = b.gen
	}
	if len(b.txns) >= s.writers {
		select {
		case s.full <- struct{}{}:
		default:
		}
	}
	s.wmu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default: // The committer is already due to run.
	}
	<-b.done
	return b.err
}

// commitLoop commits the open batch whenever kicked: the Updates that
// arrive while one batch is being synced form the next.
func (s *boltStore) commitLoop() {
	defer close(s.committed)
	for {
		select {
		case <-s.kick:
			s.commitBatch()
		case <-s.stop:
			s.commitBatch()
			return
		}
	}
}

// Group commit: before committing, the committer waits (at most
// coalesceMax) until the open batch has as many writes as there were
// writers at the end of the previous commit (those it answered and those
// already waiting), so that the writers it answered, now sending their
// next write, join the next batch instead of each paying for a sync of
// their own. A lone writer never waits; when a writer goes away, one batch
// waits coalesceMax and the next expects one writer fewer.
const coalesceMax = time.Millisecond

func (s *boltStore) commitBatch() {
	s.wmu.Lock()
	wait := s.batch != nil && len(s.batch.txns) < s.writers
	s.wmu.Unlock()
	if wait {
		t := time.NewTimer(coalesceMax)
		select {
		case <-s.full:
		case <-t.C:
		case <-s.stop:
		}
		t.Stop()
	}
	s.wmu.Lock()
	b, failed := s.batch, s.failed
	s.batch = nil
	select {
	case <-s.full: // A signal for b, not for the next batch.
	default:
	}
	if b != nil {
		b.seq, b.pmSeq = s.seq, s.pmSeq
	}
	s.wmu.Unlock()
	if b == nil {
		return
	}
	err := failed
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	if err == nil {
		err = s.db.Update(func(tx *bolt.Tx) error { return writeBatch(tx, b) })
	}
	if err == nil {
		s.mu.Lock()
		for _, t := range b.txns {
			s.ix.apply(t)
		}
		s.mu.Unlock()
	} else {
		err = fmt.Errorf("store: commit: %w", err)
	}
	s.wmu.Lock()
	if err != nil && s.failed == nil {
		// Later writes might build on these: refuse them all.
		s.failed = err
	}
	for _, t := range b.txns {
		s.pending.drop(t, b.gen)
	}
	// The writers this commit answers, and those already waiting for the
	// next one: how many the next batch may expect.
	s.writers = len(b.txns)
	if s.batch != nil {
		s.writers += len(s.batch.txns)
	}
	s.wmu.Unlock()
	b.err = err
	close(b.done)
}

func writeBatch(tx *bolt.Tx, b *batch) error {
	cb, pb, meta := tx.Bucket(bucketCustomers), tx.Bucket(bucketPaymentMethods), tx.Bucket(bucketMeta)
	// Keys only grow (new records) or are rewritten (changes): fill pages.
	cb.FillPercent, pb.FillPercent = 0.95, 0.95
	for _, t := range b.txns {
		for _, uuid := range t.order {
			sc := t.custs[uuid]
			v, err := json.Marshal(DumpCustomer{Seq: sc.seq, Customer: sc.c})
			if err != nil {
				return err
			}
			if err := cb.Put(binary.BigEndian.AppendUint64(nil, sc.seq), v); err != nil {
				return err
			}
		}
		for _, p := range t.pms {
			v, err := json.Marshal(DumpPaymentMethod{Seq: p.seq, PaymentMethod: p.pm})
			if err != nil {
				return err
			}
			if err := pb.Put(binary.BigEndian.AppendUint64(nil, p.seq), v); err != nil {
				return err
			}
		}
	}
	if err := putUint(meta, keyCustomerSeq, b.seq); err != nil {
		return err
	}
	return putUint(meta, keyPaymentMethodSeq, b.pmSeq)
}

// Close commits the Updates already staged, stops the committer and closes
// the file.
func (s *boltStore) Close() error {
	s.wmu.Lock()
	if s.closed {
		s.wmu.Unlock()
		return nil
	}
	s.closed = true
	s.wmu.Unlock()
	close(s.stop)
	<-s.committed
	return s.db.Close()
}
