package schema

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMarkdown writes the data dictionary of the catalog as Markdown: one
// section per table and view, with every column's type, nullability,
// description and FHIR source paths.
func (c Catalog) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# ab2d-etl data dictionary\n\n")
	b.WriteString("Generated from package `schema` by `ab2d-etl schema --format markdown`. ")
	b.WriteString("Paths abbreviate `https://bluebutton.cms.gov/resources/` as `…/`.\n\n")
	for _, t := range c.Tables {
		fmt.Fprintf(&b, "## `%s`\n\n%s\n\nGrain: %s. Current state in Parquet: `current/latest/%s/*.parquet`.", t.Name, t.Description, t.Grain, t.Name)
		if t.Parquet {
			fmt.Fprintf(&b, " History: `parquet/%s/load_id=<id>/*.parquet`.", t.Name)
		} else {
			b.WriteString(" No Parquet history (a ledger).")
		}
		b.WriteString("\n\n| column | type | null | description | R4 (v2) path | STU3 (v1) path | AB2D data dictionary |\n|---|---|---|---|---|---|---|\n")
		for _, col := range t.Columns {
			null := "yes"
			if col.Required {
				null = "no"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", col.Name, col.Type, null,
				cell(col.Description), code(col.R4), code(col.STU3), cell(compactTitles(col.Dictionary)))
		}
		b.WriteString("\n")
	}
	for _, v := range c.Views {
		fmt.Fprintf(&b, "## view `%s`\n\n%s\n\n```sql\n%s\n```\n\n", v.Name, v.Description, v.SQL)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// compactTitles joins dictionary section titles with "; ", collapsing
// runs of numbered titles ("Diagnosis Code 1", …, "Diagnosis Code 25")
// into "Diagnosis Code 1–25".
func compactTitles(titles []string) string {
	var out []string
	for i := 0; i < len(titles); {
		prefix, n, ok := splitNumber(titles[i])
		j := i + 1
		if ok {
			for j < len(titles) {
				p, m, ok2 := splitNumber(titles[j])
				if !ok2 || p != prefix || m != n+(j-i) {
					break
				}
				j++
			}
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s %d–%d", prefix, n, n+j-i-1))
		} else {
			out = append(out, titles[i])
		}
		i = j
	}
	return strings.Join(out, "; ")
}

// splitNumber splits "Diagnosis Code 12" into "Diagnosis Code" and 12.
func splitNumber(title string) (string, int, bool) {
	i := strings.LastIndexByte(title, ' ')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(title[i+1:])
	if err != nil {
		return "", 0, false
	}
	return title[:i], n, true
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + cell(s) + "`"
}

// jsonColumn is the JSON form of a column: its type spelled out.
type jsonColumn struct {
	Column
	Type string `json:"type"`
}

type jsonTable struct {
	Table
	Columns []jsonColumn `json:"columns"`
}

// WriteJSON writes the catalog as indented JSON.
func (c Catalog) WriteJSON(w io.Writer) error {
	out := struct {
		Tables []jsonTable `json:"tables"`
		Views  []View      `json:"views"`
	}{Views: c.Views}
	for _, t := range c.Tables {
		jt := jsonTable{Table: t}
		for _, col := range t.Columns {
			jt.Columns = append(jt.Columns, jsonColumn{Column: col, Type: col.Type.String()})
		}
		out.Tables = append(out.Tables, jt)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
