package queryfmt

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// The table layout.
const (
	// columnSep separates the cells of a line; the rule under the header
	// crosses it with ruleSep.
	columnSep = " | "
	ruleSep   = "-+-"
	// minNarrowed is the narrowest a column is cut to so that it still fits
	// beside the ones before it; a column that would be narrower is left out.
	minNarrowed = 8
	// ellipsis ends a cut value.
	ellipsis = "…"
)

// tableWriter buffers up to MaxRows rows and prints them aligned.
type tableWriter struct {
	w     io.Writer
	cols  []column
	width int // 0: no limit
	colW  int // cap on a column's width when width > 0
	max   int // rows buffered
	r     *renderer
	cells [][]string
	buf   []byte
}

func newTableWriter(w io.Writer, cols []column, o Options) *tableWriter {
	return &tableWriter{w: w, cols: cols, width: o.Width, colW: o.MaxColumnWidth, max: o.MaxRows, r: newRenderer()}
}

func (tw *tableWriter) row(vals []any) error {
	if len(tw.cells) >= tw.max {
		return nil
	}
	rec := make([]string, len(vals))
	for i, v := range vals {
		rec[i], tw.buf = cellText(tw.r, tw.buf, v, tw.cols[i].typ)
		if tw.width > 0 { // cut now: a huge value need not be kept whole
			rec[i] = truncate(rec[i], tw.colW)
		}
	}
	tw.cells = append(tw.cells, rec)
	return nil
}

// cellText returns the text of v as a table shows it: NULL for NULL and
// control characters escaped. buf is scratch space, returned for reuse.
func cellText(r *renderer, buf []byte, v any, t *colType) (string, []byte) {
	if v == nil {
		return "NULL", buf
	}
	buf = r.appendText(buf[:0], v, t)
	return escapeControls(string(buf)), buf
}

// escapeControls replaces the control characters of s, which would break a
// table's lines or drive the terminal, by escapes: \n, \r, \t, \x1b, ….
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func (tw *tableWriter) finish(n int) error {
	names := make([]string, len(tw.cols))
	widths := make([]int, len(tw.cols))
	right := make([]bool, len(tw.cols))
	for i, c := range tw.cols {
		names[i] = escapeControls(c.name)
		widths[i] = cells(names[i])
		right[i] = c.typ.numeric()
	}
	for _, rec := range tw.cells {
		for i, s := range rec {
			widths[i] = max(widths[i], cells(s))
		}
	}
	if tw.width > 0 {
		for i := range widths {
			widths[i] = min(widths[i], tw.colW)
		}
	}
	shown := fitColumns(widths, tw.width)

	var b strings.Builder
	var l strings.Builder
	line := func(rec []string) {
		l.Reset()
		for i := range shown {
			if i > 0 {
				l.WriteString(columnSep)
			}
			l.WriteString(pad(rec[i], widths[i], right[i], i == shown-1))
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	line(names)
	for i := range shown {
		if i > 0 {
			b.WriteString(ruleSep)
		}
		b.WriteString(strings.Repeat("-", widths[i]))
	}
	b.WriteByte('\n')
	for _, rec := range tw.cells {
		line(rec)
	}

	var footer string
	switch {
	case n > len(tw.cells):
		footer = fmt.Sprintf("(%d rows, first %d shown; use --format csv or json for all)", n, len(tw.cells))
	case n == 1:
		footer = "(1 row)"
	default:
		footer = fmt.Sprintf("(%d rows)", n)
	}
	for _, l := range wrap(footer, tw.width) {
		b.WriteString(l + "\n")
	}
	if hidden := names[shown:]; len(hidden) > 0 {
		noun := "columns"
		if len(hidden) == 1 {
			noun = "column"
		}
		text := fmt.Sprintf("%d %s not shown (--format vertical shows all): %s",
			len(hidden), noun, strings.Join(hidden, ", "))
		for _, l := range wrap(text, tw.width) {
			b.WriteString(l + "\n")
		}
	}
	if _, err := io.WriteString(tw.w, b.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// cells returns the width of s in terminal cells.
func cells(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return uniseg.StringWidth(s)
		}
	}
	return len(s) // ASCII, control characters already escaped
}

// fitColumns returns how many leading columns fit on a line of width cells
// (all if width is 0). The first column that does not fit whole is narrowed
// into the room left if that is at least minNarrowed cells (the first column
// always, into whatever room there is); widths is changed to match.
func fitColumns(widths []int, width int) int {
	if width <= 0 {
		return len(widths)
	}
	used := 0
	for i, w := range widths {
		sep := 0
		if i > 0 {
			sep = len(columnSep)
		}
		if used+sep+w <= width {
			used += sep + w
			continue
		}
		room := width - used - sep
		switch {
		case i == 0:
			widths[0] = max(room, 1)
			return 1
		case room >= minNarrowed:
			widths[i] = room
			return i + 1
		}
		return i
	}
	return len(widths)
}

// pad cuts s to width cells and pads it, on the left if right is set. The
// last cell of a line gets no padding on the right.
func pad(s string, width int, right, last bool) string {
	s = truncate(s, width)
	gap := width - cells(s)
	switch {
	case gap <= 0:
		return s
	case right:
		return strings.Repeat(" ", gap) + s
	case last:
		return s
	}
	return s + strings.Repeat(" ", gap)
}

// truncate cuts s to at most width cells, ending it with "…" if it was cut.
// It cuts between grapheme clusters, so accents and emoji stay whole.
func truncate(s string, width int) string {
	if cells(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	room := width - cells(ellipsis)
	var b strings.Builder
	state := -1
	for rest := s; rest != ""; {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if w > room {
			break
		}
		room -= w
		b.WriteString(cluster)
	}
	b.WriteString(ellipsis)
	return b.String()
}

// wrap breaks text at spaces into lines of at most width cells (no limit if
// width is 0), indenting the lines after the first by two spaces; a word too
// long for a line is cut.
func wrap(text string, width int) []string {
	if width <= 0 {
		return []string{text}
	}
	const indent = "  "
	var lines []string
	cur := ""
	for _, word := range strings.Fields(text) {
		switch {
		case cur == "":
			cur = word
		case cells(cur)+1+cells(word) <= width:
			cur += " " + word
		default:
			lines = append(lines, truncate(cur, width))
			cur = indent + word
		}
	}
	return append(lines, truncate(cur, width))
}

// verticalWriter prints each row as one "name = value" line per column,
// names right-aligned, with a blank line between rows, as the duckdb CLI's
// .mode line does. It streams: nothing is buffered.
type verticalWriter struct {
	w      io.Writer
	names  []string // cut and right-aligned
	types  []*colType
	valueW int // widest value; 0: no limit
	r      *renderer
	buf    []byte
	n      int
}

func newVerticalWriter(w io.Writer, cols []column, o Options) *verticalWriter {
	vw := &verticalWriter{w: w, r: newRenderer()}
	nameW := 0
	for _, c := range cols {
		vw.names = append(vw.names, escapeControls(c.name))
		vw.types = append(vw.types, c.typ)
		nameW = max(nameW, cells(vw.names[len(vw.names)-1]))
	}
	if o.Width > 0 {
		nameW = min(nameW, o.MaxColumnWidth, max(o.Width/2, 1))
		vw.valueW = max(o.Width-nameW-len(" = "), 1)
	}
	for i, name := range vw.names {
		vw.names[i] = pad(name, nameW, true, false)
	}
	return vw
}

func (vw *verticalWriter) row(vals []any) error {
	var b strings.Builder
	if vw.n > 0 {
		b.WriteByte('\n')
	}
	vw.n++
	for i, v := range vals {
		var s string
		s, vw.buf = cellText(vw.r, vw.buf, v, vw.types[i])
		if vw.valueW > 0 {
			s = truncate(s, vw.valueW)
		}
		b.WriteString(vw.names[i] + " = " + s + "\n")
	}
	if _, err := io.WriteString(vw.w, b.String()); err != nil {
		return fmt.Errorf("write vertical output: %w", err)
	}
	return nil
}

func (vw *verticalWriter) finish(n int) error {
	footer := "(" + strconv.Itoa(n) + " rows)"
	if n == 1 {
		footer = "(1 row)"
	}
	if n > 0 {
		footer = "\n" + footer
	}
	if _, err := io.WriteString(vw.w, footer+"\n"); err != nil {
		return fmt.Errorf("write vertical output: %w", err)
	}
	return nil
}
