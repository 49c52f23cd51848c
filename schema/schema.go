// Package schema is the single source of truth for the warehouse's tables
// and columns. The Arrow schemas of the Parquet files, the DuckDB DDL, the
// views and the data dictionary printed by `ab2d-etl schema` are all derived
// from the definitions here; nothing else spells a column out twice.
package schema

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Type is the logical type of a column.
type Type uint8

// The logical column types. Codes are always String: leading zeros matter.
const (
	String    Type = iota + 1 // VARCHAR / utf8
	Int64                     // BIGINT / int64
	Float64                   // DOUBLE / float64
	Date                      // DATE / date32
	Timestamp                 // TIMESTAMPTZ / timestamp[us, UTC]
)

// String returns the DuckDB name of the type.
func (t Type) String() string {
	switch t {
	case String:
		return "VARCHAR"
	case Int64:
		return "BIGINT"
	case Float64:
		return "DOUBLE"
	case Date:
		return "DATE"
	case Timestamp:
		return "TIMESTAMPTZ"
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// Arrow returns the Arrow data type used for the column in Parquet files.
func (t Type) Arrow() arrow.DataType {
	switch t {
	case String:
		return arrow.BinaryTypes.String
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Float64:
		return arrow.PrimitiveTypes.Float64
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	}
	panic(fmt.Sprintf("schema: unknown type %d", t))
}

// Column describes one column of a table.
type Column struct {
	Name        string `json:"name"`
	Type        Type   `json:"-"`
	Required    bool   `json:"required"`
	Description string `json:"description"`
	// R4 and STU3 are the FHIR paths (relative to the resource) the value
	// is taken from in AB2D v2 and v1 output; empty for derived columns.
	R4   string `json:"r4_path,omitempty"`
	STU3 string `json:"stu3_path,omitempty"`
	// V3 is the FHIR path in AB2D v3 output (FHIR R4 with CARIN Blue
	// Button 2.x profiles and the code systems of CMS's IDR); empty for
	// derived columns and for the columns v3 leaves NULL.
	V3 string `json:"v3_path,omitempty"`
	// Dictionary lists the AB2D data-dictionary sections (their titles,
	// exactly as in the R4 v2 and STU3 v1 dictionaries) whose fields the
	// column carries, wholly or in part.
	Dictionary []string `json:"dictionary,omitempty"`
	// V3Fields lists the fields of AB2D's v2 → v3 migration dictionary
	// (their names, exactly as there) whose values the column carries in
	// v3. A field the dictionary marks "Element Removed" is listed by the
	// column that holds it in v1 and v2, which is NULL in v3 (V3 empty).
	V3Fields []string `json:"v3_dictionary,omitempty"`
	// LowCardinality marks columns worth dictionary-encoding in Parquet.
	LowCardinality bool `json:"-"`
	// Lineage marks columns that say where a row came from (the load, the
	// input file and line, the AB2D job) rather than what the resource
	// holds: the loader fills them, not the flattener.
	Lineage bool `json:"lineage,omitempty"`
}

// Table describes one warehouse table.
type Table struct {
	Name        string   `json:"name"`
	Grain       string   `json:"grain"`
	Description string   `json:"description"`
	Columns     []Column `json:"columns"`
	// Parquet is true for tables whose rows are also kept as Parquet
	// history under parquet/<table>/load_id=<id>/. Ledger tables (loads,
	// runs) have no history; like every table, they are in the
	// current-state Parquet that each command publishes.
	Parquet bool `json:"parquet"`
	// Merge says how a load's rows of a Parquet table enter the current
	// state in DuckDB.
	Merge Merge `json:"-"`
}

// Merge is how a load's rows of a table enter the current state.
type Merge uint8

// The merge rules of Parquet tables.
const (
	// MergeByEOB: the table holds rows of one EOB version (claims and its
	// children). A newer meta.lastUpdated replaces the EOB's rows in every
	// such table; an older or equal one changes nothing.
	MergeByEOB Merge = iota + 1
	// MergeMBIs: one row per beneficiary and MBI, as of the newest EOB that
	// carried it (beneficiary_mbis).
	MergeMBIs
	// MergeAppend: every row is kept (rejects, export errors).
	MergeAppend
)

// View is a SQL view over the tables, for BI tools.
type View struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	SQL         string `json:"sql"`
	// Sources are the tables whose columns the view passes through: a
	// column of the view is described as the first of them that has a
	// column of that name describes it (the warehouse's column comments).
	Sources []string `json:"-"`
}

// ColumnDescription returns the description of a view's column: that of
// the column of the same name in the first of its Sources that has one,
// or "" when none has.
func (c Catalog) ColumnDescription(v View, column string) string {
	for _, name := range v.Sources {
		t := c.Table(name)
		if i := t.Index(column); i >= 0 {
			return t.Columns[i].Description
		}
	}
	return ""
}

// Index returns the position of the named column, or -1.
func (t Table) Index(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// ColumnNames returns the column names in order.
func (t Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// ArrowSchema returns the Arrow schema of the table's Parquet files. A
// column whose values are the load's (ByLoad) is an Arrow dictionary of
// its strings, one entry per load and file instead of a copy per row; in
// the Parquet files it is a string column like the others.
func (t Table) ArrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.Columns))
	for i, c := range t.Columns {
		typ := c.Type.Arrow()
		if c.ByLoad() {
			typ = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: typ}
		}
		fields[i] = arrow.Field{Name: c.Name, Type: typ, Nullable: !c.Required}
	}
	return arrow.NewSchema(fields, nil)
}

// CreateSQL returns the DuckDB CREATE TABLE IF NOT EXISTS statement.
func (t Table) CreateSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (\n", t.Name)
	for i, c := range t.Columns {
		fmt.Fprintf(&b, "  %s %s", c.Name, c.Type)
		if c.Required {
			b.WriteString(" NOT NULL")
		}
		if i < len(t.Columns)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")")
	return b.String()
}

// How DuckDB stores rows with lineage. Every row of a table with lineage
// carries its load's load_id and source_file, the same two strings for all
// the rows of a load. DuckDB stores them once per load, in
// storage.load_keys, and the rows of such a table (Keyed) in
// storage.<table> with the load's load_key instead; the view <table> in the
// main schema joins them back, so that readers see the table's columns as
// the catalog lists them. Storing the strings in every row was a fifth of
// DuckDB's work in a load (2 GB of NDJSON: 10.3–11.4 → 8.4–8.9 CPU-s,
// DuckDB alone).
const (
	// StorageSchema is the DuckDB schema of the keyed tables' rows and of
	// LoadKeys.
	StorageSchema = "storage"
	// LoadKey is the column of a keyed table's stored rows that names
	// their load in LoadKeys.
	LoadKey = "load_key"
)

// LoadKeys is the table of the loads' keys: one row per load that wrote
// rows of a keyed table.
func LoadKeys() Table {
	return Table{
		Name:        StorageSchema + ".load_keys",
		Grain:       "one row per load",
		Description: "The load_id and source_file of the rows of each load, which the tables store as load_key; the views of the main schema join them back.",
		Columns: []Column{
			{Name: LoadKey, Type: Int64, Required: true, Description: "The key the rows of the load carry."},
			{Name: "load_id", Type: String, Required: true, Description: "Load id (see `loads`)."},
			{Name: "source_file", Type: String, Required: true, Description: "Input file (base name)."},
		},
	}
}

// ByLoad reports whether the column holds the same value in every row of a
// load: the load_id and source_file of lineage.
func (c Column) ByLoad() bool {
	return c.Lineage && (c.Name == "load_id" || c.Name == "source_file")
}

// Keyed reports whether DuckDB stores the table's rows with a load key, in
// StorageSchema, behind a view of the table's name (see StorageSchema).
func (t Table) Keyed() bool {
	for _, c := range t.Columns {
		if c.ByLoad() {
			return true
		}
	}
	return false
}

// Stored returns the table as DuckDB stores it: a keyed table is named
// StorageSchema.<name>, without the columns whose values are the load's,
// and with LoadKey last. Other tables are stored as they are.
func (t Table) Stored() Table {
	if !t.Keyed() {
		return t
	}
	s := t
	s.Name = StorageSchema + "." + t.Name
	s.Columns = nil
	for _, c := range t.Columns {
		if !c.ByLoad() {
			s.Columns = append(s.Columns, c)
		}
	}
	s.Columns = append(s.Columns, Column{Name: LoadKey, Type: Int64, Required: true, Description: "The load of the row: see " + LoadKeys().Name + "."})
	return s
}

// ViewSQL returns the CREATE OR REPLACE VIEW statement of the view that
// shows a keyed table's stored rows with its columns, in catalog order.
func (t Table) ViewSQL() string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		if c.ByLoad() {
			cols[i] = "k." + c.Name
		} else {
			cols[i] = "r." + c.Name
		}
	}
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS\nSELECT %s\nFROM %s r JOIN %s k USING (%s)",
		t.Name, strings.Join(cols, ", "), t.Stored().Name, LoadKeys().Name, LoadKey)
}

// CreateSQL returns the DuckDB CREATE OR REPLACE VIEW statement.
func (v View) CreateSQL() string {
	return fmt.Sprintf("CREATE OR REPLACE VIEW %s AS\n%s", v.Name, v.SQL)
}

// Catalog is the whole warehouse: its tables and views.
type Catalog struct {
	Tables []Table `json:"tables"`
	Views  []View  `json:"views"`
}

// Table returns the named table; it panics on a name that is not in the
// catalog, which is a programming error.
func (c Catalog) Table(name string) Table {
	for _, t := range c.Tables {
		if t.Name == name {
			return t
		}
	}
	panic("schema: no table " + name)
}

// ParquetTables returns the tables kept as Parquet history, in order.
func (c Catalog) ParquetTables() []Table {
	var out []Table
	for _, t := range c.Tables {
		if t.Parquet {
			out = append(out, t)
		}
	}
	return out
}

// Select returns the catalog of the named tables and views only, in
// catalog order; a name that is neither is an error that lists them.
func (c Catalog) Select(names ...string) (Catalog, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out Catalog
	var all []string
	for _, t := range c.Tables {
		all = append(all, t.Name)
		if want[t.Name] {
			out.Tables = append(out.Tables, t)
			delete(want, t.Name)
		}
	}
	for _, v := range c.Views {
		all = append(all, v.Name)
		if want[v.Name] {
			out.Views = append(out.Views, v)
			delete(want, v.Name)
		}
	}
	for _, n := range names {
		if want[n] {
			return out, fmt.Errorf("no table or view %q; there are %s", n, strings.Join(all, ", "))
		}
	}
	return out, nil
}
