package store

import "sync"

// memStore keeps everything in memory: the store of a sandbox without
// -state.
type memStore struct {
	mu     sync.RWMutex
	ix     *index
	closed bool
}

// NewMemory returns an empty in-memory store.
func NewMemory() Store { return &memStore{ix: newIndex()} }

func (s *memStore) View(fn func(Reader)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(s.ix)
}

func (s *memStore) Update(fn func(Writer) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	t := newTxn(s.ix, &s.ix.seq, &s.ix.pmSeq)
	if err := fn(t); err != nil {
		return err
	}
	s.ix.apply(t)
	return nil
}

func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}
