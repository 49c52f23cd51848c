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
// description, FHIR source paths (AB2D v2, v1 and v3) and the fields of
// AB2D's dictionaries it carries.
func (c Catalog) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# ab2d-etl data dictionary\n\n")
	b.WriteString("Generated from package `schema` by `ab2d-etl schema --format markdown`. ")
	b.WriteString("Paths abbreviate `https://bluebutton.cms.gov/resources/` as `…/` and `https://bluebutton.cms.gov/fhir/` as `…fhir/`. ")
	b.WriteString("A column without a v3 path is NULL in AB2D v3 data, unless it is derived.\n\n")
	for _, t := range c.Tables {
		fmt.Fprintf(&b, "## `%s`\n\n%s\n\nGrain: %s. Current state in Parquet: `current/latest/%s/*.parquet`.", t.Name, t.Description, t.Grain, t.Name)
		if t.Parquet {
			fmt.Fprintf(&b, " History: `parquet/%s/load_id=<id>/*.parquet`.", t.Name)
		} else {
			b.WriteString(" No Parquet history (a ledger).")
		}
		b.WriteString("\n\n| column | type | null | description | R4 (v2) path | STU3 (v1) path | v3 path | AB2D data dictionary | v3 migration dictionary |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, col := range t.Columns {
			null := "yes"
			if col.Required {
				null = "no"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n", col.Name, col.Type, null,
				cell(col.Description), code(col.R4), code(col.STU3), code(col.V3), cell(compactTitles(col.Dictionary)), cell(compactTitles(col.V3Fields)))
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
// runs of numbered titles ("Diagnosis Code 1", …, "Diagnosis Code 25";
// "Diagnosis Code 1 Version", …, "Diagnosis Code 25 Version") into
// "Diagnosis Code 1–25" and "Diagnosis Code 1–25 Version".
func compactTitles(titles []string) string {
	var out []string
	for i := 0; i < len(titles); {
		prefix, n, suffix, ok := splitNumber(titles[i])
		j := i + 1
		if ok {
			for j < len(titles) {
				p, m, s, ok2 := splitNumber(titles[j])
				if !ok2 || p != prefix || s != suffix || m != n+(j-i) {
					break
				}
				j++
			}
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s %d–%d%s", prefix, n, n+j-i-1, suffix))
		} else {
			out = append(out, titles[i])
		}
		i = j
	}
	return strings.Join(out, "; ")
}

// splitNumber splits a title at its last word that is a number:
// "Diagnosis Code 12" into "Diagnosis Code", 12 and "", "Procedure Code 3
// Date" into "Procedure Code", 3 and " Date".
func splitNumber(title string) (prefix string, n int, suffix string, ok bool) {
	words := strings.Split(title, " ")
	for i := len(words) - 1; i > 0; i-- {
		if m, err := strconv.Atoi(words[i]); err == nil {
			suffix = strings.Join(words[i+1:], " ")
			if suffix != "" {
				suffix = " " + suffix
			}
			return strings.Join(words[:i], " "), m, suffix, true
		}
	}
	return "", 0, "", false
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
