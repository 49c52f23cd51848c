// Package rowgen writes the Go code that package schema implies for the
// flattener: a row type per Parquet table, with a field per column that the
// flattener fills, and the code that appends those rows to column
// accumulators (the transform package's stringColumn and fixedColumn, which
// become Arrow arrays). `go generate ./pipeline/transform` runs it (see
// pipeline/transform/gen_rows.go); a test of package transform fails when
// the checked-in output differs from what the schema gives.
//
// A column is thus defined once, in package schema: its name, type,
// nullability and the Arrow, Parquet, DuckDB and documentation forms all
// follow from that entry, and only the code that reads the value from FHIR
// names the row field.
package rowgen

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"
	"text/template"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// initialisms are the words of column names written in capitals in Go
// names (Go's naming convention: EOBID, not EobId).
var initialisms = map[string]bool{
	"id": true, "npi": true, "upin": true, "mbi": true, "eob": true, "ndc": true, "hcpcs": true,
	"drg": true, "clia": true, "fhir": true, "json": true, "url": true, "api": true, "mbis": false,
}

// GoName returns the exported Go name of a snake_case schema name: each
// word capitalized, initialisms in capitals ("x_id" → "XID", "y_npi" →
// "YNPI"), "mbis" as "MBIs".
func GoName(snake string) string {
	var b strings.Builder
	for _, w := range strings.Split(snake, "_") {
		switch {
		case w == "":
		case w == "mbis":
			b.WriteString("MBIs")
		case initialisms[w]:
			b.WriteString(strings.ToUpper(w))
		default:
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

// field is one column of a generated row type or of Lineage.
type field struct {
	Col     schema.Column
	Index   int    // position in the table (and its Arrow schema)
	Name    string // Go field name
	GoType  string // Go type of the field
	Builder string // accumulator type
	Append  string // format of the statement appending a value (%[2]s) to an accumulator (%[1]s)
}

// table is one Parquet table.
type table struct {
	T       schema.Table
	Name    string // Go name, e.g. ClaimLines
	Row     string // row type, e.g. ClaimLinesRow
	Cols    string // column-accumulators type, e.g. claimLinesCols
	Fields  []field
	Lineage []field
	All     []field // Fields and Lineage in table order
}

// HasEOBID says whether the table's rows carry an eob_id.
func (t table) HasEOBID() bool { return t.T.Index("eob_id") >= 0 }

// Generate returns the gofmt'ed source of package pkg for the Parquet
// tables of cat.
func Generate(cat schema.Catalog, pkg string) ([]byte, error) {
	var tables []table
	lineage := map[string]field{}
	var lineageOrder []string
	for _, t := range cat.ParquetTables() {
		gt := table{T: t, Name: GoName(t.Name), Row: GoName(t.Name) + "Row"}
		gt.Cols = strings.ToLower(gt.Name[:1]) + gt.Name[1:] + "Cols"
		for i, c := range t.Columns {
			f, err := newField(t, c, i)
			if err != nil {
				return nil, err
			}
			gt.All = append(gt.All, f)
			if c.Lineage {
				gt.Lineage = append(gt.Lineage, f)
				if prev, ok := lineage[f.Name]; ok && prev.GoType != f.GoType {
					return nil, fmt.Errorf("rowgen: lineage column %s has two types", c.Name)
				}
				if _, ok := lineage[f.Name]; !ok {
					lineageOrder = append(lineageOrder, f.Name)
				}
				lineage[f.Name] = f
				continue
			}
			gt.Fields = append(gt.Fields, f)
		}
		tables = append(tables, gt)
	}
	var lin []field
	for _, n := range lineageOrder {
		lin = append(lin, lineage[n])
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct {
		Pkg     string
		Tables  []table
		Lineage []field
	}{pkg, tables, lin}); err != nil {
		return nil, err
	}
	src, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("rowgen: %w\n%s", err, buf.Bytes())
	}
	return src, nil
}

// newField maps a column to its Go field: required values are plain Go
// values, nullable ones are types with a validity flag (strings are NULL
// when empty: FHIR forbids empty strings).
func newField(t schema.Table, c schema.Column, i int) (field, error) {
	f := field{Col: c, Index: i, Name: GoName(c.Name)}
	switch {
	case c.ByLoad():
		f.GoType, f.Builder, f.Append = "string", "loadColumn", "%s.Append(%s)"
	case c.Type == schema.String && c.Required:
		f.GoType, f.Builder, f.Append = "string", "stringColumn", "%s.Append(%s)"
	case c.Type == schema.String:
		f.GoType, f.Builder, f.Append = "string", "stringColumn", "appendString(&%s, %s)"
	case c.Type == schema.Int64 && c.Required:
		f.GoType, f.Builder, f.Append = "int64", "fixedColumn[int64]", "%s.Append(%s)"
	case c.Type == schema.Int64:
		f.GoType, f.Builder, f.Append = "Int", "fixedColumn[int64]", "appendInt(&%s, %s)"
	case c.Type == schema.Float64 && !c.Required:
		f.GoType, f.Builder, f.Append = "Float", "fixedColumn[float64]", "appendFloat(&%s, %s)"
	case c.Type == schema.Date && !c.Required:
		f.GoType, f.Builder, f.Append = "Date", "fixedColumn[int32]", "appendDate(&%s, %s)"
	case c.Type == schema.Timestamp && !c.Required:
		f.GoType, f.Builder, f.Append = "Instant", "fixedColumn[int64]", "appendInstant(&%s, %s)"
	default:
		return f, fmt.Errorf("rowgen: %s.%s: no Go type for a required %s", t.Name, c.Name, c.Type)
	}
	return f, nil
}

var tmpl = template.Must(template.New("rows").Funcs(template.FuncMap{
	"comment": func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") },
	"stmt": func(f field, recv, value string) string {
		return fmt.Sprintf(f.Append, fmt.Sprintf("%s.c%d", recv, f.Index), value+"."+f.Name)
	},
}).Parse(`// Code generated by internal/rowgen from package schema; DO NOT EDIT.
// Run go generate ./pipeline/transform after changing a table of package schema.

package {{.Pkg}}


// Lineage is what every row of an input line carries besides the
// resource's values: the columns package schema marks Lineage.
type Lineage struct {
{{- range .Lineage}}
	{{.Name}} {{.GoType}} // {{.Col.Name}}
{{- end}}
}
// The columns the flattener fills, as "table.column", for the messages
// about values that do not fit them (see column).
const (
{{- range .Tables}}{{$t := .}}
{{- range .Fields}}
	col{{$t.Name}}{{.Name}} column = "{{$t.T.Name}}.{{.Col.Name}}"
{{- end}}
{{- end}}
)
{{range .Tables}}
// {{.Row}} is one row of table {{.T.Name}}: {{comment .T.Grain}}.
type {{.Row}} struct {
{{- range .Fields}}
	{{.Name}} {{.GoType}} // {{.Col.Name}}
{{- end}}
}
{{end}}
// Rows are the rows flattened from one input line, a slice per Parquet
// table in catalog order.
type Rows struct {
{{- range .Tables}}
	{{.Name}} []{{.Row}}
{{- end}}
}

// reset empties every slice, keeping its capacity.
func (r *Rows) reset() {
{{- range .Tables}}
	r.{{.Name}} = r.{{.Name}}[:0]
{{- end}}
}

// setEOBID sets the eob_id of every row of the tables that have one.
func (r *Rows) setEOBID(id string) {
{{- range .Tables}}{{if .HasEOBID}}
	for i := range r.{{.Name}} {
		r.{{.Name}}[i].EOBID = id
	}
{{- end}}{{end}}
}

// counts returns the number of rows per Parquet table, in catalog order.
func (r *Rows) counts() [{{len .Tables}}]int {
	return [{{len .Tables}}]int{ {{- range .Tables}}len(r.{{.Name}}), {{end -}} }
}
{{range .Tables}}
// {{.Cols}} are the column accumulators of table {{.T.Name}}.
type {{.Cols}} struct {
{{- range .All}}
	c{{.Index}} {{.Builder}} // {{.Col.Name}}
{{- end}}
}

// list returns the accumulators in table order.
func (c *{{.Cols}}) list() []accumulator {
	return []accumulator{ {{- range .All}}&c.c{{.Index}}, {{end -}} }
}

func (c *{{.Cols}}) append(rows []{{.Row}}, l *Lineage) {
	for i := range rows {
		r := &rows[i]
{{- range .Fields}}
		{{stmt . "c" "r"}}
{{- end}}
{{- range .Lineage}}
		{{stmt . "c" "l"}}
{{- end}}
	}
}
{{end}}
// columns are the column accumulators of every Parquet table.
type columns struct {
{{- range .Tables}}
	{{.Cols}}
{{- end}}
}

// lists returns the accumulators of every Parquet table, in catalog order.
func (c *columns) lists() [][]accumulator {
	return [][]accumulator{
{{- range .Tables}}
		c.{{.Cols}}.list(),
{{- end}}
	}
}

// append appends the rows of one input line.
func (c *columns) append(r *Rows, l *Lineage) {
{{- range .Tables}}
	if len(r.{{.Name}}) > 0 {
		c.{{.Cols}}.append(r.{{.Name}}, l)
	}
{{- end}}
}
`))
