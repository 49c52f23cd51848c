package transform

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

type readLine struct {
	n    int64
	text string
	long bool
}

func readAll(t *testing.T, input []byte, max int, whole bool) ([]readLine, error) {
	t.Helper()
	r, err := NewLineReader(bytes.NewReader(input), max, whole)
	if err != nil {
		return nil, err
	}
	var out []readLine
	for {
		line, n, err := r.Next()
		var tl *LineTooLongError
		switch {
		case errors.Is(err, io.EOF):
			return out, r.Close()
		case errors.As(err, &tl):
			out = append(out, readLine{n: n, text: string(tl.Excerpt), long: true})
		case err != nil:
			return out, err
		default:
			out = append(out, readLine{n: n, text: string(line)})
		}
	}
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name  string
		input []byte
		max   int
		whole bool
		want  []readLine
	}{
		{"plain", []byte("{\"a\":1}\n{\"b\":2}\n"), 0, false, []readLine{{1, `{"a":1}`, false}, {2, `{"b":2}`, false}}},
		{"no final newline", []byte("a\nb"), 0, false, []readLine{{1, "a", false}, {2, "b", false}}},
		{"CRLF", []byte("a\r\nb\r\n"), 0, false, []readLine{{1, "a", false}, {2, "b", false}}},
		{"blank lines keep numbering", []byte("a\n\n  \nb\n"), 0, false, []readLine{{1, "a", false}, {4, "b", false}}},
		{"empty", nil, 0, false, nil},
		{"gzip by magic bytes", gz(t, "a\nb\n"), 0, false, []readLine{{1, "a", false}, {2, "b", false}}},
		{"too long line is skipped, reading goes on", []byte("a\n" + long + "\nb\n"), 100, false,
			[]readLine{{1, "a", false}, {2, long[:ExcerptLen], true}, {3, "b", false}}},
		{"too long line over bufio's buffer", []byte("a\n" + strings.Repeat("y", 3<<20) + "\nb\n"), 1 << 20, false,
			[]readLine{{1, "a", false}, {2, strings.Repeat("y", ExcerptLen), true}, {3, "b", false}}},
		{"line of exactly the limit", []byte("abcd\r\n"), 4, false, []readLine{{1, "abcd", false}}},
		{"line over bufio's buffer, within the limit, between short ones", []byte("a\n" + strings.Repeat("z", 3<<20) + "\nb\n"), 4 << 20, false,
			[]readLine{{1, "a", false}, {2, strings.Repeat("z", 3<<20), false}, {3, "b", false}}},
		{"whole document", []byte("{\n \"a\": 1\n}\n"), 0, true, []readLine{{1, "{\n \"a\": 1\n}\n", false}}},
		{"whole document gzip", gz(t, "{\n}"), 0, true, []readLine{{1, "{\n}", false}}},
		{"whole document too long", []byte(long), 250, true, []readLine{{1, long[:ExcerptLen], true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(t, tt.input, tt.max, tt.whole)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d: got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestLineReaderCorruptGzip(t *testing.T) {
	good := gz(t, strings.Repeat("{\"resourceType\":\"ExplanationOfBenefit\"}\n", 1000))
	t.Run("truncated", func(t *testing.T) {
		_, err := readAll(t, good[:len(good)/2], 0, false)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("got %v, want unexpected EOF", err)
		}
	})
	t.Run("flipped bytes", func(t *testing.T) {
		bad := bytes.Clone(good)
		for i := 20; i < len(bad)-8; i += 7 {
			bad[i] ^= 0xff
		}
		if _, err := readAll(t, bad, 0, false); err == nil {
			t.Fatal("corrupt gzip read without error")
		}
	})
	t.Run("bad header", func(t *testing.T) {
		if _, err := NewLineReader(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}), 0, false); err == nil {
			t.Fatal("want an error for a corrupt gzip header")
		}
	})
}

// FuzzLineReader: whatever the bytes (plain, gzip or broken gzip), the
// reader never panics, never returns a line over its limit, numbers lines
// in increasing order, and ends with io.EOF or an error, not a hang.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\nb\r\n\n{}\n"), uint16(8))
	f.Add(gzipSeed(f, "x\ny\n"), uint16(4))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, uint16(16))
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		max := int(limit%512) + 1
		for _, whole := range []bool{false, true} {
			r, err := NewLineReader(bytes.NewReader(data), max, whole)
			if err != nil {
				continue
			}
			last := int64(0)
			for i := 0; ; i++ {
				if i > 1032*len(data)+2 { // deflate expands at most ~1032×
					t.Fatalf("more lines than the input can hold")
				}
				line, n, err := r.Next()
				var tl *LineTooLongError
				if errors.As(err, &tl) {
					if len(tl.Excerpt) > ExcerptLen {
						t.Fatalf("excerpt of %d bytes", len(tl.Excerpt))
					}
				} else if err != nil {
					break
				}
				if len(line) > max {
					t.Fatalf("line of %d bytes over the %d limit", len(line), max)
				}
				if n <= last {
					t.Fatalf("line number %d after %d", n, last)
				}
				last = n
			}
		}
	})
}

func gzipSeed(f *testing.F, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		f.Fatal(err)
	}
	if err := w.Close(); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

func TestDigest(t *testing.T) {
	content := "{\"a\":1}\n\n{\"b\":2}\n"
	want := sha256.Sum256([]byte(content))
	for name, input := range map[string][]byte{"plain": []byte(content), "gzip": gz(t, content)} {
		r, err := NewDigestLineReader(bytes.NewReader(input), 0, false)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
		}
		sum, n := r.Digest()
		if sum != hex.EncodeToString(want[:]) || n != int64(len(content)) {
			t.Errorf("%s: digest %s %d, want %x %d", name, sum, n, want, len(content))
		}
	}
}
