package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"time"
)

// UnusableError is returned by OpenBolt for a file that exists but cannot
// be opened as a store without losing or inventing data: cut short,
// overwritten, damaged, or a file of another program. The file is left as
// it was.
type UnusableError struct {
	// Problem says what is wrong with the file, in a few words a user can
	// act on ("it is 6000 bytes long, not a whole number of 4096-byte
	// pages").
	Problem string
}

func (e *UnusableError) Error() string { return "store: the file cannot be used: " + e.Problem }

func unusable(format string, a ...any) error {
	return &UnusableError{Problem: fmt.Sprintf(format, a...)}
}

// The layout of a bbolt file (go.etcd.io/bbolt/internal/common, format
// version 2): pages of Meta.pageSize bytes, each starting with a 16-byte
// header (id uint64, flags uint16, count uint16, overflow uint32); pages 0
// and 1 hold the two meta records, written alternately by commits (the
// one with the higher txid is current). Integers are in the machine's
// byte order.
const (
	boltMagic          = 0xED0CDAED
	boltVersion        = 2
	boltPageHeaderSize = 16
	boltMetaSize       = 64 // magic ... checksum
	boltBranchPage     = 0x01
	boltLeafPage       = 0x02
	boltMetaPage       = 0x04
	boltFreelistPage   = 0x10
	boltBucketLeaf     = 0x01 // a leaf element that is a bucket
	// Elements of branch pages (pos, ksize uint32; pgid uint64) and of leaf
	// pages (flags, pos, ksize, vsize uint32) are 16 bytes; pos counts from
	// the element. A bucket's value starts with its root page id and
	// sequence (16 bytes); root 0 means an inline page follows.
	boltElementSize      = 16
	boltBucketHeaderSize = 16
	boltNoFreelist       = ^uint64(0)
	// bbolt reads the page size from meta 0; when meta 0 is unreadable it
	// tries meta 1 at every power of two from 1 KiB to 16 MiB.
	boltMinPageSize = 1 << 10
	boltMaxPageSize = 1 << 24
)

// boltMeta is one meta record of a bbolt file.
type boltMeta struct {
	magic, version, pageSize  uint32
	root, freelist, pgid, txi uint64
	checksum, sum             uint64
	pageID                    uint64
	pageFlags                 uint16
}

func parseBoltMeta(page []byte) boltMeta {
	ne := binary.NativeEndian
	m := page[boltPageHeaderSize:]
	h := fnv.New64a()
	_, _ = h.Write(m[:boltMetaSize-8])
	return boltMeta{
		pageID:    ne.Uint64(page[0:]),
		pageFlags: ne.Uint16(page[8:]),
		magic:     ne.Uint32(m[0:]),
		version:   ne.Uint32(m[4:]),
		pageSize:  ne.Uint32(m[8:]),
		root:      ne.Uint64(m[16:]),
		freelist:  ne.Uint64(m[32:]),
		pgid:      ne.Uint64(m[40:]),
		txi:       ne.Uint64(m[48:]),
		checksum:  ne.Uint64(m[56:]),
		sum:       h.Sum64(),
	}
}

// problem says what is wrong with the meta record of page id, "" if it is
// sound on its own.
func (m boltMeta) problem(id uint64) string {
	switch {
	case m.magic != boltMagic:
		return fmt.Sprintf("page %d has no bbolt meta record (no bbolt marker)", id)
	case m.version != boltVersion:
		return fmt.Sprintf("page %d is a meta record of bbolt file format %d, not %d", id, m.version, boltVersion)
	case m.checksum != m.sum:
		return fmt.Sprintf("the meta record in page %d fails its checksum (it was damaged or overwritten)", id)
	case m.pageID != id || m.pageFlags != boltMetaPage:
		return fmt.Sprintf("the meta record in page %d carries the header of another page", id)
	}
	return ""
}

// checkBoltFile looks at the file at path before bbolt maps it, so that a
// file bbolt would crash on (a read past the end of a mapping is a SIGBUS,
// which no recover catches) or would read wrongly is refused with an
// UnusableError. exists is false when there is no file (a new store).
//
// It refuses an empty file (bbolt would start an empty store in it: a
// store cut to nothing by a failed copy must not come back empty), a size
// that is not a whole number of pages or that ends before the last page
// the current meta record counts, a meta record without bbolt's marker,
// of another format version or failing its checksum, and a root page that
// is not a tree page naming itself. One of the two meta records may fail
// its checksum, as a machine crash during a commit can leave it: bbolt
// then uses the other, as designed.
func checkBoltFile(path string) (exists bool, err error) {
	f, err := os.Open(path) //nolint:gosec // G304: the operator's own -state path.
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	defer func() { _ = f.Close() }()
	if err := lockShared(f, time.Second); err != nil {
		return true, err
	}
	fi, err := f.Stat()
	if err != nil {
		return true, err
	}
	if !fi.Mode().IsRegular() {
		return true, unusable("it is not a regular file")
	}
	size := fi.Size()
	if size == 0 {
		return true, unusable("it is empty (0 bytes); the sandbox never leaves its file empty, so it was cut short (by a copy or a cache restore that did not finish)")
	}
	first := make([]byte, boltPageHeaderSize+boltMetaSize)
	if size < int64(len(first)) {
		return true, unusable("it is %d bytes long, shorter than a bbolt file's first page: it was cut short, or it is no bbolt file", size)
	}
	if _, err := f.ReadAt(first, 0); err != nil {
		return true, err
	}
	m0 := parseBoltMeta(first)
	if m0.magic != boltMagic {
		return true, unusable("it is not a bbolt database (its first page has no bbolt marker)")
	}
	ps := int64(m0.pageSize)
	if ps < boltMinPageSize || ps > boltMaxPageSize || ps&(ps-1) != 0 {
		// Only meta 0 says the page size; bbolt would guess one.
		return true, unusable("its first page names an impossible page size (%d bytes): it was damaged or overwritten", ps)
	}
	if size%ps != 0 {
		return true, unusable("it is %d bytes long, not a whole number of %d-byte pages: it was cut short (by a copy or a cache restore that did not finish) or overwritten", size, ps)
	}
	if size < 2*ps {
		return true, unusable("it is %d bytes long, shorter than the two meta pages of a bbolt file: it was cut short", size)
	}
	second := make([]byte, len(first))
	if _, err := f.ReadAt(second, ps); err != nil {
		return true, err
	}
	metas := [2]boltMeta{m0, parseBoltMeta(second)}
	probs := [2]string{m0.problem(0), metas[1].problem(1)}
	for i, m := range metas {
		// A meta record without the marker or of another version is not a
		// torn write: the file is not one bbolt wrote.
		if m.magic != boltMagic || m.version != boltVersion {
			return true, unusable("%s: it is not a monri-sandbox store or it was overwritten", probs[i])
		}
	}
	// The current record: the valid one with the higher txid (bbolt's
	// choice).
	m, cur := metas[0], 0
	switch {
	case probs[0] != "" && probs[1] != "":
		return true, unusable("%s, and %s", probs[0], probs[1])
	case probs[0] != "" || (probs[1] == "" && metas[1].txi > metas[0].txi):
		m, cur = metas[1], 1
	}
	pages := uint64(size / ps) //nolint:gosec // G115: a file size is not negative.
	switch {
	case m.pgid < 4:
		return true, unusable("its meta record (page %d) counts %d pages, fewer than any bbolt file has: it was damaged or overwritten", cur, m.pgid)
	case m.pgid > pages:
		return true, unusable("it is %d bytes long but its data runs to %d bytes: it was cut short (by a copy or a cache restore that did not finish)", size, m.pgid*uint64(ps))
	case m.root < 2 || m.root >= m.pgid:
		return true, unusable("its meta record (page %d) points its root at page %d, outside the data (pages 2 to %d)", cur, m.root, m.pgid-1)
	case m.freelist != boltNoFreelist && (m.freelist < 2 || m.freelist >= m.pgid):
		return true, unusable("its meta record (page %d) points its free list at page %d, outside the data (pages 2 to %d)", cur, m.freelist, m.pgid-1)
	}
	if m.freelist != boltNoFreelist {
		hdr := make([]byte, boltPageHeaderSize)
		if _, err := f.ReadAt(hdr, pageOffset(m.freelist, ps)); err != nil {
			return true, err
		}
		if binary.NativeEndian.Uint64(hdr) != m.freelist || binary.NativeEndian.Uint16(hdr[8:]) != boltFreelistPage {
			return true, unusable("its meta record (page %d) points its free list at page %d, which is not a free list (it was damaged or overwritten)", cur, m.freelist)
		}
	}
	w := boltWalker{f: f, ps: ps, hwm: m.pgid, seen: make(map[uint64]bool)}
	if _, err := w.tree(m.root, 0, nil, nil); err != nil {
		return true, err
	}
	return true, nil
}

// pageOffset is the offset of page id in a file of ps-byte pages. Callers
// pass ids below the high water mark, which checkBoltFile has checked to
// lie within the file.
func pageOffset(id uint64, ps int64) int64 {
	return int64(id) * ps //nolint:gosec // G115: id < file size / ps.
}

// boltWalker visits every page of a bbolt file's trees, reading them with
// ReadAt, to check that bbolt can follow them without reading past the
// end of a page or of the file: tree pages name themselves and lie within
// the data, element tables, keys and values lie within their page, and no
// page is reached twice (no cycle).
type boltWalker struct {
	f    *os.File
	ps   int64
	hwm  uint64
	seen map[uint64]bool
	bufs [][]byte // by depth
}

// maxBoltDepth bounds the nesting of trees and buckets (a store has three
// buckets, a few levels deep each).
const maxBoltDepth = 64

func (w *boltWalker) tree(id uint64, depth int, minClosed, maxOpen []byte) ([]byte, error) {
	if depth > maxBoltDepth {
		return nil, unusable("its trees nest deeper than %d levels (it was damaged or overwritten)", maxBoltDepth)
	}
	if id < 2 || id >= w.hwm {
		return nil, unusable("a tree points at page %d, outside the data (pages 2 to %d): it was damaged or overwritten", id, w.hwm-1)
	}
	hdr := make([]byte, boltPageHeaderSize)
	if _, err := w.f.ReadAt(hdr, pageOffset(id, w.ps)); err != nil {
		return nil, err
	}
	ne := binary.NativeEndian
	flags, overflow := ne.Uint16(hdr[8:]), uint64(ne.Uint32(hdr[12:]))
	if ne.Uint64(hdr) != id || (flags != boltBranchPage && flags != boltLeafPage) {
		if depth == 0 {
			return nil, unusable("its meta record points its root at page %d, which is not the root of a tree: the meta record or the page was damaged or overwritten", id)
		}
		return nil, unusable("page %d is not the tree page its parent expects: it was damaged or overwritten", id)
	}
	if id+overflow >= w.hwm {
		return nil, unusable("page %d runs past the end of the data: it was damaged or overwritten", id)
	}
	for i := id; i <= id+overflow; i++ {
		if w.seen[i] {
			return nil, unusable("page %d is reached twice: it was damaged or overwritten", i)
		}
		w.seen[i] = true
	}
	// One buffer per depth: a page's elements are still being walked while
	// its children are read.
	for len(w.bufs) <= depth {
		w.bufs = append(w.bufs, nil)
	}
	n := pageOffset(overflow+1, w.ps)
	if int64(cap(w.bufs[depth])) < n {
		w.bufs[depth] = make([]byte, n)
	}
	buf := w.bufs[depth][:n]
	if _, err := w.f.ReadAt(buf, pageOffset(id, w.ps)); err != nil {
		return nil, err
	}
	return w.page(buf, id, depth, minClosed, maxOpen)
}

// page checks the elements of a tree page (or of an inline bucket's page,
// id 0) held in buf, and the trees they point at.
func (w *boltWalker) page(buf []byte, id uint64, depth int, minClosed, maxOpen []byte) ([]byte, error) {
	ne := binary.NativeEndian
	flags, count := ne.Uint16(buf[8:]), int(ne.Uint16(buf[10:]))
	bad := func(what string) error {
		if id == 0 {
			return unusable("an inline bucket's %s: it was damaged or overwritten", what)
		}
		return unusable("page %d's %s: it was damaged or overwritten", id, what)
	}
	if boltPageHeaderSize+count*boltElementSize > len(buf) {
		return nil, bad("element table runs past its end")
	}
	// Keys in order, as bbolt's own check (Tx.Check, which it runs on
	// open to rebuild the free list) wants them: bbolt panics on the first
	// violation, in a goroutine it then leaves running over a closed
	// transaction.
	running, last := minClosed, []byte(nil)
	for i := range count {
		at := boltPageHeaderSize + i*boltElementSize
		e := buf[at : at+boltElementSize]
		var key, val []byte
		switch flags {
		case boltBranchPage:
			pos, ksize := uint64(ne.Uint32(e)), uint64(ne.Uint32(e[4:]))
			if uint64(at)+pos+ksize > uint64(len(buf)) {
				return nil, bad("key runs past its end")
			}
			key = buf[uint64(at)+pos : uint64(at)+pos+ksize]
		case boltLeafPage:
			pos, ksize, vsize := uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
			if uint64(at)+pos+ksize+vsize > uint64(len(buf)) {
				return nil, bad("key or value runs past its end")
			}
			key = buf[uint64(at)+pos : uint64(at)+pos+ksize]
			val = buf[uint64(at)+pos+ksize : uint64(at)+pos+ksize+vsize]
		default:
			return nil, bad("type is not a tree page")
		}
		switch {
		case i == 0 && running != nil && bytes.Compare(running, key) > 0,
			i > 0 && bytes.Compare(running, key) >= 0,
			maxOpen != nil && bytes.Compare(key, maxOpen) >= 0:
			return nil, bad("keys are out of order")
		}
		if flags == boltBranchPage {
			next := maxOpen
			if i+1 < count {
				n := buf[boltPageHeaderSize+(i+1)*boltElementSize:]
				npos, nksize := uint64(ne.Uint32(n)), uint64(ne.Uint32(n[4:]))
				nat := uint64(boltPageHeaderSize + (i+1)*boltElementSize)
				if nat+npos+nksize > uint64(len(buf)) {
					return nil, bad("key runs past its end")
				}
				next = buf[nat+npos : nat+npos+nksize]
			}
			maxKey, err := w.tree(ne.Uint64(e[8:]), depth+1, key, next)
			if err != nil {
				return nil, err
			}
			running, last = bytes.Clone(maxKey), bytes.Clone(maxKey)
			continue
		}
		running, last = key, key
		if err := w.bucket(ne.Uint32(e), val, depth, bad); err != nil {
			return nil, err
		}
	}
	return last, nil
}

// bucket checks the sub-bucket a leaf element (flags eflags, value v)
// holds, if it is one.
func (w *boltWalker) bucket(eflags uint32, v []byte, depth int, bad func(string) error) error {
	ne := binary.NativeEndian
	if eflags&boltBucketLeaf == 0 {
		return nil
	}
	if len(v) < boltBucketHeaderSize {
		return bad("bucket header is cut short")
	}
	if root := ne.Uint64(v); root != 0 {
		_, err := w.tree(root, depth+1, nil, nil)
		return err
	}
	inline := v[boltBucketHeaderSize:]
	if len(inline) < boltPageHeaderSize || ne.Uint16(inline[8:]) != boltLeafPage {
		return bad("inline bucket is not a leaf page")
	}
	if depth+1 > maxBoltDepth {
		return bad("buckets nest too deep")
	}
	_, err := w.page(inline, 0, depth+1, nil, nil)
	return err
}
