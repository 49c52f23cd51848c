package transform

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// codingRow renders a Coding as element|system|code|display.
func codingRow(c Coding) string {
	return c.Element + "|" + c.System + "|" + c.Code + "|" + c.Display
}

// TestCodingsIndependent recomputes the codings of every fixture with
// encoding/json (every object with a string system and a string code,
// deduplicated by element, system and code, first non-empty display) and
// compares them with the flattener's, order included.
func TestCodingsIndependent(t *testing.T) {
	single, sample := loadFixtures(t)
	f := NewFlattener()
	var rec Record
	total := 0
	for _, fx := range append(single, sample...) {
		name := fx.dir + "/" + fx.file
		if fx.line > 0 {
			name += ":" + strconv.Itoa(fx.line)
		}
		if err := f.Flatten(fx.data, &rec); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, c := range rec.Codings {
			got = append(got, codingRow(c))
		}
		want := independentCodings(t, fx.data)
		if !slices.Equal(got, want) {
			t.Errorf("%s: codings\n got  %q\n want %q", name, got, want)
		}
		total += len(want)
	}
	if total < 10000 {
		t.Errorf("only %d codings in all fixtures", total)
	}
}

// independentCodings walks a resource decoded by encoding/json. Object keys
// are visited in document order (json.Decoder tokens), as the flattener does.
func independentCodings(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	var rows []string
	index := map[string]int{}
	var walk func(path []string) // reads one value
	walk = func(path []string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		switch tok {
		case json.Delim('{'):
			var system, code, display string
			var hasSystem, hasCode bool
			for dec.More() {
				k, _ := dec.Token()
				key := k.(string)
				// Peek at scalars by decoding into RawMessage when the key is one we read.
				switch key {
				case "system", "code", "display":
					var raw json.RawMessage
					if err := dec.Decode(&raw); err != nil {
						t.Fatal(err)
					}
					var s string
					if json.Unmarshal(raw, &s) == nil {
						switch key {
						case "system":
							system, hasSystem = s, s != ""
						case "code":
							code, hasCode = s, s != ""
						case "display":
							display = s
						}
						continue
					}
					// An object or array under these keys (e.g. supportingInfo.code).
					sub := json.NewDecoder(strings.NewReader(string(raw)))
					saved := dec
					dec = sub
					walk(append(path, key))
					dec = saved
				default:
					walk(append(path, key))
				}
			}
			if _, err := dec.Token(); err != nil { // '}'
				t.Fatal(err)
			}
			if hasSystem && hasCode {
				p := path
				if len(p) > 0 && p[len(p)-1] == "coding" {
					p = p[:len(p)-1]
				}
				elem := strings.Join(p, ".")
				key := elem + "|" + system + "|" + code
				if i, ok := index[key]; ok {
					if strings.HasSuffix(rows[i], "|") && display != "" {
						rows[i] += display
					}
				} else {
					index[key] = len(rows)
					rows = append(rows, key+"|"+display)
				}
			}
		case json.Delim('['):
			for dec.More() {
				walk(path)
			}
			if _, err := dec.Token(); err != nil { // ']'
				t.Fatal(err)
			}
		}
	}
	walk(nil)
	return rows
}

func TestCodings(t *testing.T) {
	const head = `{"resourceType":"ExplanationOfBenefit","id":"e1",`
	many := func(n int, dup bool) string {
		var b strings.Builder
		b.WriteString(head + `"item":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			code := i
			if dup {
				code = i % 3
			}
			fmt.Fprintf(&b, `{"sequence":%d,"productOrService":{"coding":[{"system":"s","code":"%d"}]}}`, i+1, code)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	deep := func(n int) (line, element string) {
		var keys []string
		for i := range n {
			keys = append(keys, fmt.Sprintf("k%d", i))
		}
		line = head + `"` + strings.Join(keys, `":{"`) + `":{"system":"s","code":"c"}` + strings.Repeat("}", n-1) + "}"
		return line, strings.Join(keys[:min(n, maxCodingDepth)], ".")
	}
	wide := func(n int) (line string, want []string) {
		var b strings.Builder
		b.WriteString(head + `"w":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":{"system":"s","code":"c"}`, i)
			want = append(want, fmt.Sprintf("w.k%d|s|c|", i))
		}
		b.WriteString(`}}`)
		return b.String(), want
	}
	deep16, deep16Elem := deep(maxCodingDepth)
	deep20, deep20Elem := deep(maxCodingDepth + 4)
	wide40, wide40Want := wide(40)
	wideMax, wideMaxWant := wide(maxPaths + 10)
	tests := []struct {
		name string
		line string
		want []string // element|system|code|display
		n    int      // when want is nil: the number of codings
	}{
		{"none", head + `"status":"active"}`, nil, 0},
		{"type codings in order", head + `"type":{"coding":[{"system":"b","code":"2","display":"Two"},{"system":"a","code":"1"}]}}`,
			[]string{"type|b|2|Two", "type|a|1|"}, 0},
		{"the first non-empty display wins", head + `"item":[{"sequence":1,"revenue":{"coding":[{"system":"r","code":"0450"}]}},` +
			`{"sequence":2,"revenue":{"coding":[{"system":"r","code":"0450","display":"Emergency room"}]}},` +
			`{"sequence":3,"revenue":{"coding":[{"system":"r","code":"0450","display":"Other"}]}}]}`,
			[]string{"item.revenue|r|0450|Emergency room"}, 0},
		{"same code, other element", head + `"type":{"coding":[{"system":"s","code":"1"}]},"subType":{"coding":[{"system":"s","code":"1"}]}}`,
			[]string{"type|s|1|", "subType|s|1|"}, 0},
		{"extension valueCoding and Quantity units", head + `"extension":[{"url":"u","valueCoding":{"system":"u","code":"A","display":"Yes"}},` +
			`{"url":"q","valueQuantity":{"value":2,"system":"http://unitsofmeasure.org","code":"[pt_us]"}}]}`,
			[]string{"extension.valueCoding|u|A|Yes", "extension.valueQuantity|http://unitsofmeasure.org|[pt_us]|"}, 0},
		{"code as a CodeableConcept", head + `"supportingInfo":[{"sequence":1,"category":{"coding":[{"system":"c","code":"info"}]},"code":{"coding":[{"system":"x","code":"3"}]}}]}`,
			[]string{"supportingInfo.category|c|info|", "supportingInfo.code|x|3|"}, 0},
		{"not strings: ignored, not rejected", head + `"benefitBalance":[{"category":{"coding":[{"system":1,"code":"a"},{"system":"s","code":2},{"system":"s","code":""},{"system":"s","code":"ok","display":7}]}}]}`,
			[]string{"benefitBalance.category|s|ok|"}, 0},
		{"contained resources", head + `"contained":[{"resourceType":"Observation","id":"o","code":{"coding":[{"system":"h","code":"R1","display":"Hemoglobin Test"}]}}]}`,
			[]string{"contained.code|h|R1|Hemoglobin Test"}, 0},
		{"a Coding as the resource itself", head + `"system":"s","code":"c"}`, []string{"ExplanationOfBenefit|s|c|"}, 0},
		{"only coding on the path", head + `"coding":[{"system":"s","code":"c"}]}`, []string{"ExplanationOfBenefit|s|c|"}, 0},
		{"coding under coding", head + `"coding":{"coding":{"system":"s","code":"c"}}}`, []string{"coding|s|c|"}, 0},
		{"empty keys", head + `"":{"":{"system":"s","code":"c"}},"x":{"":{"coding":[{"system":"s","code":"c"}]}}}`,
			[]string{".|s|c|", "x.|s|c|"}, 0},
		{"escaped key", head + `"ty\u0070e":{"coding":[{"system":"s","code":"c"}]}}`, []string{"type|s|c|"}, 0},
		{"deep, within the cut", deep16, []string{deep16Elem + "|s|c|"}, 0},
		{"deeper than the cut", deep20, []string{deep20Elem + "|s|c|"}, 0},
		{"many keys in one object", wide40, wide40Want, 0},
		{"more paths than are kept", wideMax, wideMaxWant, 0},
		{"after the paths are dropped", head + `"type":{"coding":[{"system":"b","code":"2"}]},"w":{"k1":{"system":"s","code":"c"}}}`,
			[]string{"type|b|2|", "w.k1|s|c|"}, 0},
		{"many distinct (hash table grows)", many(300, false), nil, 300},
		{"many duplicates", many(300, true), []string{"item.productOrService|s|0|", "item.productOrService|s|1|", "item.productOrService|s|2|"}, 0},
	}
	f := NewFlattener()
	var rec Record
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := f.Flatten([]byte(tt.line), &rec); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range rec.Codings {
				got = append(got, codingRow(c))
			}
			if tt.want == nil {
				if len(got) != tt.n {
					t.Errorf("%d codings, want %d", len(got), tt.n)
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
