package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store"
)

// openStore opens the store Options.StatePath names (a bbolt file), or an
// in-memory one.
func openStore(path string, noSync bool) (store.Store, error) {
	if path == "" {
		return store.NewMemory(), nil
	}
	st, err := store.OpenBolt(path, store.BoltOptions{NoSync: noSync})
	if errors.Is(err, store.ErrJSONState) {
		return nil, fmt.Errorf("sandbox: %s is a JSON state file of an earlier monri-sandbox; -state now keeps a bbolt database. "+
			"Load it into a new store with -import, for example: mv %[1]s %[1]s.old && monri-sandbox -state %[1]s -import %[1]s.old", path)
	}
	if u := (*store.UnusableError)(nil); errors.As(err, &u) {
		return nil, fmt.Errorf("sandbox: the -state file %[1]s cannot be used: %[2]s. The sandbox has not changed it. "+
			"Restore it (from a backup, or a CI cache that was saved and restored whole), "+
			"or move it away and load an export saved earlier (GET /sandbox/export) into a new store with -import, for example: "+
			"mv %[1]s %[1]s.damaged && monri-sandbox -state %[1]s -import export.json; "+
			"to start with no customers, delete it", path, u.Problem)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox: state: %w", err)
	}
	return st, nil
}

// Export writes the whole store as indented JSON, the body of GET
// /sandbox/export: {"version":1,"customers":[...],"payment_methods":[...]},
// each list in creation order with "seq" numbering it from 1, so two
// exports of the same state are identical. Card tokens are included: it is
// a sandbox of test data.
func (s *Server) Export(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(store.Export(s.st))
}

// Import loads a dump written by Export (or a -state JSON file of an
// earlier monri-sandbox, which has the same form) into the Server's store,
// which must hold no customer. It loads all of it or, naming the record
// that is wrong, nothing.
func (s *Server) Import(r io.Reader) error {
	var d store.Dump
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return fmt.Errorf("sandbox: import: not a sandbox export: %w", err)
	}
	if err := store.Import(s.st, d); err != nil {
		return fmt.Errorf("sandbox: import: %w", err)
	}
	return nil
}
