package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
)

func writeAPIError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.httpStatus, map[string]string{"status": e.status, "message": e.message})
}

// marshalJSON encodes v without HTML escaping and without a trailing newline.
func marshalJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own response types are encoded: this is a bug.
		panic(fmt.Sprintf("sandbox: encode response: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b := marshalJSON(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// readBody reads the whole body, at most maxRequestBodyBytes; a larger one
// answers 413 and, through http.MaxBytesReader, tells the server to close
// the connection rather than read the rest.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, invalidRequest(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", maxRequestBodyBytes))
	case err != nil:
		return nil, invalidRequest(http.StatusBadRequest, "could not read request body")
	}
	return b, nil
}

// jsonTypeName names the JSON type expected for a Go type, for messages.
func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonTypeName(t.Elem()), "a "), "an ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	default:
		return "a " + t.Kind().String()
	}
}

// decodeStrict decodes a JSON object into v (a pointer to a struct),
// rejecting unknown fields, wrong types, invalid JSON and trailing data.
func decodeStrict(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return invalidRequest(http.StatusBadRequest, "request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); !errors.Is(err2, io.EOF) {
			return invalidRequest(http.StatusBadRequest, "request body is not valid JSON: unexpected data after the object")
		}
		if bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
			return invalidRequest(http.StatusBadRequest, "request body must be a JSON object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return invalidRequest(http.StatusBadRequest, "request body must be a JSON object")
		}
		return invalidRequest(http.StatusBadRequest, fmt.Sprintf("%s must be %s", typeErr.Field, jsonTypeName(typeErr.Type)))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidRequest(http.StatusBadRequest, "request body is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalidRequest(http.StatusBadRequest, "unknown field "+strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return invalidRequest(http.StatusBadRequest, "request body is not valid JSON")
	}
}

// bufferedWriter records a response so a fault can replace it after the
// operation was performed.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: make(http.Header)} }

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
