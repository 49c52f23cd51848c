package transform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// Batch is the columnar form of a run of consecutive input lines, and the
// boundary between the transform and the load: one Arrow record per
// Parquet table in catalog order (nil when the lines gave that table no
// rows), the distinct codes the lines' EOBs carried, and what the lines
// were.
//
// Ownership: a Batch holds references to its records. Whoever receives a
// Batch owns it and must call Release exactly once, also when it drops the
// batch because the pipeline was cancelled; a stage that passes the
// records on passes that duty with them (Take).
type Batch struct {
	Records []arrow.RecordBatch
	Codes   CodeSet
	EOBs    int64 // ExplanationOfBenefit lines accepted
	Issues  int64 // OperationOutcome lines accepted
	Rejects int64 // lines rejected (rows of the rejects table)
	Fields  int64 // values that did not fit their column (rows of field_issues)
	// FirstReject is the line number and reason of the first reject, for
	// a message about a file that holds no resource at all.
	FirstReject string
}

// Release releases the records the batch still holds.
func (b *Batch) Release() {
	for i, r := range b.Records {
		if r != nil {
			r.Release()
			b.Records[i] = nil
		}
	}
}

// Take hands the record of table i over to the caller, who must release
// it, and leaves nil in its place.
func (b *Batch) Take(i int) arrow.RecordBatch {
	r := b.Records[i]
	b.Records[i] = nil
	return r
}

// Builder turns flattened Records into Batches. The column accumulators
// (accumulators.go) are laid out by position like the Parquet tables of
// package schema, by code generated from it (rows_gen.go), so each value is
// appended without an interface or a lookup. Not safe for concurrent use:
// one per worker.
type Builder struct {
	mem     memory.Allocator
	schemas []*arrow.Schema // of the Parquet tables, in catalog order
	cols    columns
	lists   [][]accumulator // cols by table, in table order
	rows    []int           // rows appended per table since the last Flush
	codes   CodeSet
	// codeCache holds the entries of codes met last, by the flattener's
	// hash of their system and code (Record.codingHashes): most codings
	// repeat from EOB to EOB, and a hit costs no hashing of the strings.
	codeCache [512]codeCacheEntry
	b         Batch // counts since the last Flush
}

// codeCacheEntry is a slot of Builder.codeCache.
type codeCacheEntry struct {
	hash         uint64
	system, code string
	seen         *CodeSeen
}

// NewBuilder returns a Builder allocating from mem. cat must be
// schema.Warehouse(), from which the generated code was made; a catalog
// that differs panics here, not at the first value.
func NewBuilder(mem memory.Allocator, cat schema.Catalog) *Builder {
	tables := cat.ParquetTables()
	b := &Builder{mem: mem, schemas: make([]*arrow.Schema, len(tables)), rows: make([]int, len(tables)), codes: CodeSet{}}
	b.lists = b.cols.lists()
	if len(b.lists) != len(tables) {
		panic(fmt.Sprintf("transform: %d Parquet tables, the generated code knows %d: run go generate ./pipeline/transform", len(tables), len(b.lists)))
	}
	for i, t := range tables {
		b.schemas[i] = t.ArrowSchema()
		if len(b.lists[i]) != len(t.Columns) {
			panic(fmt.Sprintf("transform: table %s has %d columns, the generated code knows %d: run go generate ./pipeline/transform", t.Name, len(t.Columns), len(b.lists[i])))
		}
	}
	return b
}

// Release frees the builders' memory: what was added since the last Flush
// is dropped.
func (b *Builder) Release() {
	b.cols = columns{}
	b.lists = b.cols.lists()
}

// Add appends the rows of one flattened line with its lineage, and counts
// the line.
func (b *Builder) Add(rec *Record, lin *Lineage) {
	b.cols.append(&rec.Rows, lin)
	for i, n := range rec.counts() {
		b.rows[i] += n
	}
	switch rec.Kind {
	case KindEOB:
		b.b.EOBs++
		if len(rec.codingHashes) == len(rec.Codings) {
			b.addCodes(rec.Codings, rec.codingHashes)
		} else {
			b.codes.add(rec.Codings)
		}
	case KindOperationOutcome:
		b.b.Issues++
	}
	b.b.Fields += int64(len(rec.FieldIssues))
}

// AddReject appends a rejects row for a line that could not be loaded:
// the reason and the first ExcerptLen bytes of the line.
func (b *Builder) AddReject(lin *Lineage, reason string, line []byte) {
	var r Rows
	r.Rejects = []RejectsRow{{Reason: reason, Excerpt: excerpt(line)}}
	b.cols.append(&r, lin)
	b.rows[tableIndex(&r)]++
	b.b.Rejects++
	if b.b.FirstReject == "" {
		b.b.FirstReject = fmt.Sprintf("line %d: %s", lin.SourceLine, reason)
	}
}

// tableIndex returns the index of the only table r has rows of.
func tableIndex(r *Rows) int {
	for i, n := range r.counts() {
		if n > 0 {
			return i
		}
	}
	panic("transform: no rows")
}

// Flush returns what was added since the last Flush as a Batch, and
// starts a new one.
func (b *Builder) Flush() *Batch {
	out := b.b
	out.Records = make([]arrow.RecordBatch, len(b.schemas))
	for i, sc := range b.schemas {
		if b.rows[i] == 0 {
			continue
		}
		arrs := make([]arrow.Array, len(b.lists[i]))
		for j, a := range b.lists[i] {
			arrs[j] = a.build(b.mem, sc.Field(j).Type)
		}
		out.Records[i] = array.NewRecordBatch(sc, arrs, int64(b.rows[i]))
		for _, a := range arrs {
			a.Release()
		}
		b.rows[i] = 0
	}
	out.Codes = b.codes
	b.codes = CodeSet{}
	b.codeCache = [len(b.codeCache)]codeCacheEntry{}
	b.b = Batch{}
	return &out
}

// excerpt returns the first ExcerptLen bytes of raw as valid UTF-8.
func excerpt(raw []byte) string {
	if len(raw) > ExcerptLen {
		raw = raw[:ExcerptLen]
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// The append functions of the generated code: a nullable value is NULL
// when empty or not Valid.

func appendString(b *stringColumn, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

func appendInt(b *fixedColumn[int64], v Int) {
	if !v.Valid {
		b.AppendNull()
		return
	}
	b.Append(v.V)
}

func appendFloat(b *fixedColumn[float64], v Float) {
	if !v.Valid {
		b.AppendNull()
		return
	}
	b.Append(v.V)
}

func appendDate(b *fixedColumn[int32], d Date) {
	if !d.Valid {
		b.AppendNull()
		return
	}
	b.Append(d.Days)
}

func appendInstant(b *fixedColumn[int64], t Instant) {
	if !t.Valid {
		b.AppendNull()
		return
	}
	b.Append(t.Micros)
}

// CodeKey identifies a code of the codes dimension.
type CodeKey struct{ System, Code string }

// CodeSeen is what a batch (or a load) saw of a code: its first non-empty
// display in input order and the elements it was seen at.
type CodeSeen struct {
	Display  string
	Elements []string // few: a code sits at one or two elements
}

// CodeSet gathers the distinct codes of a batch: its size is bounded by
// the batch's, and the codes dimension costs a map lookup per coding, no
// row per EOB.
type CodeSet map[CodeKey]*CodeSeen

// notCodes are code systems whose codes are values, not a vocabulary to
// label: the line provider's ZIP code (a column of claim_lines), with as
// many codes as there are addresses.
func notCode(system string) bool {
	return system == "https://bluebutton.cms.gov/resources/variables/prvdr_zip"
}

// add records the codings of one EOB. The flattener's strings may live in
// its arena, so a new key or display is copied.
func (s CodeSet) add(cs []Coding) {
	for i := range cs {
		if e := s.entry(&cs[i]); e != nil {
			s.seen(e, &cs[i])
		}
	}
}

// entry returns the entry of c's code, added when new, or nil for a
// system that is not one of codes (notCode).
func (s CodeSet) entry(c *Coding) *CodeSeen {
	if notCode(c.System) {
		return nil
	}
	e, ok := s[CodeKey{c.System, c.Code}]
	if !ok {
		e = &CodeSeen{}
		s[CodeKey{strings.Clone(c.System), strings.Clone(c.Code)}] = e
	}
	return e
}

// seen records in e a coding of its code: its display when e has none yet,
// and its element.
func (CodeSet) seen(e *CodeSeen, c *Coding) {
	if e.Display == "" && c.Display != "" {
		e.Display = strings.Clone(c.Display)
	}
	if !slices.Contains(e.Elements, c.Element) {
		e.Elements = append(e.Elements, strings.Clone(c.Element))
	}
}

// addCodes is codes.add for codings whose hashes the flattener gave,
// looking their entries up in codeCache first.
func (b *Builder) addCodes(cs []Coding, hashes []uint64) {
	for i := range cs {
		c := &cs[i]
		slot := &b.codeCache[hashes[i]%uint64(len(b.codeCache))]
		if slot.seen == nil || slot.hash != hashes[i] || slot.code != c.Code || slot.system != c.System {
			e := b.codes.entry(c)
			if e == nil {
				continue
			}
			*slot = codeCacheEntry{hash: hashes[i], system: c.System, code: c.Code, seen: e}
		}
		b.codes.seen(slot.seen, c)
	}
}

// Merge adds the codes of a later set: an earlier display wins, and
// elements join. The entries of later are taken over, not copied.
func (s CodeSet) Merge(later CodeSet) {
	for k, l := range later {
		e, ok := s[k]
		if !ok {
			s[k] = l
			continue
		}
		if e.Display == "" {
			e.Display = l.Display
		}
		for _, el := range l.Elements {
			if !slices.Contains(e.Elements, el) {
				e.Elements = append(e.Elements, el)
			}
		}
	}
}
