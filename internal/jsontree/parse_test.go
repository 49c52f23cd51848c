package jsontree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// same reports how v and the fastjson value w differ, or "" when they hold
// the same tree: the same types, strings after unescaping, numbers as
// written, object members in the same order.
func same(v *Value, w *fastjson.Value, path string) string {
	if v.Type().String() != w.Type().String() {
		return fmt.Sprintf("%s: type %s, fastjson %s", path, v.Type(), w.Type())
	}
	switch v.Type() {
	case TypeString:
		if !bytes.Equal(v.GetStringBytes(), w.GetStringBytes()) {
			return fmt.Sprintf("%s: string %q, fastjson %q", path, v.GetStringBytes(), w.GetStringBytes())
		}
	case TypeNumber:
		if string(v.s) != w.String() {
			return fmt.Sprintf("%s: number %q, fastjson %q", path, v.s, w.String())
		}
	case TypeArray:
		a, wa := v.GetArray(), w.GetArray()
		if len(a) != len(wa) {
			return fmt.Sprintf("%s: %d elements, fastjson %d", path, len(a), len(wa))
		}
		for i := range a {
			if d := same(a[i], wa[i], path+"["+strconv.Itoa(i)+"]"); d != "" {
				return d
			}
		}
	case TypeObject:
		o, wo := v.GetObject(), w.GetObject()
		if o.Len() != wo.Len() {
			return fmt.Sprintf("%s: %d members, fastjson %d", path, o.Len(), wo.Len())
		}
		i, d := 0, ""
		wo.Visit(func(wk []byte, wv *fastjson.Value) {
			k, e := o.At(i)
			i++
			switch {
			case d != "":
			case !bytes.Equal(k, wk):
				d = fmt.Sprintf("%s: key %q, fastjson %q", path, k, wk)
			default:
				d = same(e, wv, path+"."+string(k))
			}
		})
		return d
	}
	return ""
}

// checkLikeFastjson parses doc with both parsers and reports a difference
// in what they accept or in the trees they build.
func checkLikeFastjson(t *testing.T, p *Parser, doc []byte) {
	t.Helper()
	var fp fastjson.Parser
	w, werr := fp.ParseBytes(doc)
	v, err := p.Parse(doc)
	if (err == nil) != (werr == nil) {
		t.Fatalf("Parse(%q): error %v, fastjson's %v", doc, err, werr)
	}
	if err != nil {
		return
	}
	if d := same(v, w, "$"); d != "" {
		t.Fatalf("Parse(%q): %s", doc, d)
	}
}

var docs = []string{
	`{}`, `[]`, `""`, `0`, `-1.5e+10`, `true`, `false`, `null`,
	` {"a" : [1, 2 ,{"b":null}] , "c":"d"} `,
	"{\"a\":\t\r\n1}",
	`{"a":1,"a":2}`,
	`[[[[]]],[{}]]`,
	`{"s":"\"quoted\" \\ \/ \b\f\n\r\t"}`,
	`{"k\"ey":"v","k\\":"w"}`,
	// Plain strings and keys before, between and after escaped ones (the
	// parser remembers where the next backslash is).
	`{"a":"plain","b":"x\ny","c":"plain","d":["p","q\"","r"],"e\/":"s","f":"t\\","g":"end"}`,
	`["a","b","c","d\te"]`, `["\u0041","b","c"]`,
	`"\u00e9\u20ac\ud83d\ude00"`,
	`"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ud83d\uzzzz"`, `"\u12"`, `"\uzzzz"`, `"\q"`,
	`"a\\"`, `"a\\\\"`, `"\\\""`, `"é"`,
	`NaN`, `-Inf`, `+inf`, `nan`, `1-2`, `1e5e5`, `+5`, `.`, `-`, `+`, `-x`, `NaNx`,
	`{"a":1e400,"b":-0,"c":9223372036854775808}`,
	// What both reject.
	``, ` `, `{`, `[`, `"`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1 "b":2}`,
	`{a:1}`, `tru`, `nul`, `falsey`, `{"a":1}x`, `{"a":1}{"b":2}`, `"abc`, `"abc\"`,
	`{"a":"b`, `[1,2`, `}`, `]`, `,`, `:`,
}

// TestLikeFastjson: on every document of the table, jsontree accepts what
// fastjson accepts and builds the same tree.
func TestLikeFastjson(t *testing.T) {
	var p Parser
	for _, doc := range docs {
		checkLikeFastjson(t, &p, []byte(doc))
	}
	for _, line := range sampleLines(t) {
		checkLikeFastjson(t, &p, line)
	}
}

// FuzzLikeFastjson checks TestLikeFastjson's property on any input.
func FuzzLikeFastjson(f *testing.F) {
	for _, doc := range docs {
		f.Add([]byte(doc))
	}
	for _, line := range sampleLines(f)[:3] {
		f.Add(line)
	}
	var p Parser
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkLikeFastjson(t, &p, doc)
	})
}

// loneSurrogate are the documents of the table with a \u escape of half a
// UTF-16 pair: fastjson and jsontree keep it as written, encoding/json
// makes it U+FFFD.
var loneSurrogate = map[string]bool{`"\ud83d"`: true, `"\ud83dx"`: true, `"\ud83d\u0041"`: true}

// TestStandardJSON: on standard JSON the tree holds what encoding/json
// decodes.
func TestStandardJSON(t *testing.T) {
	var p Parser
	compared := 0
	for _, doc := range append(docs, `{"a":[1,{"b":"\u00e9"}],"c":{"d":[]},"e":-0.25}`,
		`{"k\u0007\u001f\n\t\"\\\u00e9y":{"\u2028":"v"}}`) { // keys with escapes, control characters among them
		if !json.Valid([]byte(doc)) || loneSurrogate[doc] {
			continue
		}
		var want any
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			continue // 1e400: out of float64's range, for both
		}
		v, err := p.Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		got, err := toAny(v)
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("Parse(%q) = %v, encoding/json %v", doc, got, want)
		}
		// MarshalTo writes JSON that encoding/json reads as the same value.
		out := v.MarshalTo(nil)
		var back any
		if err := json.Unmarshal(out, &back); err != nil || fmt.Sprint(back) != fmt.Sprint(want) {
			t.Fatalf("MarshalTo(Parse(%q)) = %s: %v, encoding/json reads %v", doc, out, err, back)
		}
		compared++
	}
	if compared < 20 {
		t.Fatalf("only %d documents compared", compared)
	}
}

// toAny converts v to what encoding/json decodes into an any (of a key
// written twice, the last value, as encoding/json does; Get finds the
// first, as fastjson does).
func toAny(v *Value) (any, error) {
	switch v.Type() {
	case TypeObject:
		m := map[string]any{}
		o, _ := v.Object()
		for i := range o.Len() {
			k, e := o.At(i)
			x, err := toAny(e)
			if err != nil {
				return nil, err
			}
			m[string(k)] = x
		}
		return m, nil
	case TypeArray:
		a, _ := v.Array()
		out := make([]any, len(a))
		for i, e := range a {
			x, err := toAny(e)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case TypeString:
		return string(v.GetStringBytes()), nil
	case TypeNumber:
		return v.Float64()
	case TypeTrue, TypeFalse:
		return v.Type() == TypeTrue, nil
	}
	return nil, nil
}

func TestRejects(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	cases := []struct{ doc, want string }{
		{``, "at byte 0: a value is missing"},
		{`{"a":1`, "at byte 6: an object is not closed"},
		{`{"a" 1}`, "at byte 5: ':' is missing after an object key"},
		{`{"a":1 "b":2}`, "at byte 7: ',' or '}' is missing after an object member"},
		{`[1 2]`, "at byte 3: ',' or ']' is missing after an array element"},
		{`{1:2}`, "at byte 1: an object key is missing"},
		{`["abc`, "at byte 2: a string is not closed"},
		{`["a\"`, "at byte 2: a string is not closed"},
		{`{"a":tru}`, `at byte 5: unexpected "tru}"`},
		{`{"a":x}`, `at byte 5: unexpected "x}"`},
		{`{} {}`, `at byte 3: unexpected "{}" after the value`},
		{deep, fmt.Sprintf("at byte %d: nested deeper than %d arrays and objects", MaxDepth, MaxDepth)},
	}
	var p Parser
	for _, tc := range cases {
		v, err := p.Parse([]byte(tc.doc))
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%.40q) = %v, %v; want error %q", tc.doc, v, err, tc.want)
		}
	}
	if _, err := p.Parse([]byte(ok)); err != nil {
		t.Errorf("%d nested arrays: %v", MaxDepth, err)
	}
}

func TestReads(t *testing.T) {
	var p Parser
	v, err := p.Parse([]byte(`{"a":{"b":[10,"x",{"c":true}]},"n":-7,"f":2.5,"big":1e400,"nan":NaN,"plus":+5,"s":"a\/b","t":true,"z":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := v.GetInt64("a", "b", "0"); got != 10 {
		t.Errorf(`GetInt64("a","b","0") = %d`, got)
	}
	if got := string(v.GetStringBytes("a", "b", "1")); got != "x" {
		t.Errorf(`GetStringBytes("a","b","1") = %q`, got)
	}
	if !v.GetBool("a", "b", "2", "c") || v.GetBool("a", "b", "1") || v.GetBool("t", "x") {
		t.Error("GetBool")
	}
	for _, path := range [][]string{{"a", "b", "3"}, {"a", "b", "-1"}, {"a", "b", "x"}, {"n", "x"}, {"nope"}} {
		if v.Get(path...) != nil {
			t.Errorf("Get(%q) is not nil", path)
		}
	}
	if v.Get("z") == nil || v.Get("z").Type() != TypeNull {
		t.Error("null member")
	}
	if v.GetObject("a", "b") != nil || v.GetArray("a") != nil || v.GetArray("a", "b") == nil {
		t.Error("GetObject or GetArray of the wrong type")
	}
	if n, err := v.Get("n").Int64(); n != -7 || err != nil {
		t.Errorf("Int64 = %d, %v", n, err)
	}
	for _, k := range []string{"f", "big", "nan", "plus", "s"} {
		if n, err := v.Get(k).Int64(); err == nil {
			t.Errorf("%s: Int64 = %d, want an error", k, n)
		}
	}
	if x, err := v.Get("f").Float64(); x != 2.5 || err != nil {
		t.Errorf("Float64 = %v, %v", x, err)
	}
	if x, err := v.Get("big").Float64(); err == nil {
		t.Errorf("1e400: Float64 = %v, want an error", x)
	}
	if x, err := v.Get("nan").Float64(); !math.IsNaN(x) || err != nil {
		t.Errorf("NaN: Float64 = %v, %v", x, err)
	}
	if _, err := v.Get("s").Float64(); err == nil {
		t.Error("Float64 of a string")
	}
	if s, err := v.Get("s").StringBytes(); string(s) != "a/b" || err != nil {
		t.Errorf("StringBytes = %q, %v", s, err)
	}
	if _, err := v.Get("n").StringBytes(); err == nil {
		t.Error("StringBytes of a number")
	}
	if _, err := v.Get("n").Object(); err == nil {
		t.Error("Object of a number")
	}
	if _, err := v.Get("n").Array(); err == nil {
		t.Error("Array of a number")
	}
	// Strings are written back as they were written, the rest compacted.
	want := `{"a":{"b":[10,"x",{"c":true}]},"n":-7,"f":2.5,"big":1e400,"nan":NaN,"plus":+5,"s":"a\/b","t":true,"z":null}`
	if got := v.String(); got != want {
		t.Errorf("String() = %s\nwant %s", got, want)
	}
	if got := string(v.Get("a").MarshalTo([]byte("x="))); got != `x={"b":[10,"x",{"c":true}]}` {
		t.Errorf("MarshalTo = %s", got)
	}
}

// TestReuse: a Parser reused for documents of any size gives each its own
// tree, whatever the one before.
func TestReuse(t *testing.T) {
	var p Parser
	big := `[` + strings.Repeat(`{"k":"\u00e9","a":[1,2,3]},`, 3000) + `{}]`
	huge := `[` + strings.Repeat(`"a\nb",`, maxKeep+10) + `{}]` // past maxKeep: the buffers are let go after it
	for i, doc := range []string{big, `{"k":"v"}`, big, huge, `[1]`, big} {
		var fp fastjson.Parser
		w, err := fp.Parse(doc)
		if err != nil {
			t.Fatal(err)
		}
		v, err := p.Parse([]byte(doc))
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		if d := same(v, w, "$"); d != "" {
			t.Fatalf("doc %d: %s", i, d)
		}
	}
}

func ExampleParser() {
	var p Parser
	v, err := p.Parse([]byte(`{"resourceType":"ExplanationOfBenefit","diagnosis":[{"sequence":1,"code":"I10"}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %s %d\n", v.GetStringBytes("resourceType"), v.GetStringBytes("diagnosis", "0", "code"), v.GetInt64("diagnosis", "0", "sequence"))
	// Output: ExplanationOfBenefit I10 1
}
