package transform

import (
	"bytes"
	"hash/maphash"

	"github.com/valyala/fastjson"
)

// maxCodingDepth bounds the element path the codings walk keeps; deeper
// objects are still searched, and their element is the path cut there.
const maxCodingDepth = 16

// codings collects every Coding of the resource (every JSON object, at any
// depth, with a string system and a string code: CodeableConcept codings,
// extensions' valueCoding, identifier types, Quantity units, contained
// resources' codes, …) into rec.Codings, one row per distinct element,
// system and code, in the order of their first occurrence. The display is
// the first non-empty one among the occurrences.
//
// The walk is lenient: a system, code or display of another JSON type is
// ignored, never a reason to reject the line.
func (f *Flattener) codings(root *fastjson.Value) {
	if len(f.seen) > 4096 {
		f.seen = nil // do not keep clearing what one huge EOB needed
	}
	clear(f.seen)
	f.keys, f.elems, f.memo = f.keys[:0], f.elems[:0], 0
	f.walkCodings(root)
}

// walkCodings visits v and everything below it, adding the Codings it
// finds (addCoding). f.keys is the path of object keys from the root to v
// (array positions are not part of it). Types are tested with GetObject and
// GetArray, which, unlike Type, do not unescape the strings passed over.
func (f *Flattener) walkCodings(v *fastjson.Value) {
	if o := v.GetObject(); o != nil {
		var system, code, display []byte
		o.Visit(func(k []byte, c *fastjson.Value) {
			switch string(k) {
			case "system":
				system = c.GetStringBytes()
			case "code": // also a CodeableConcept, e.g. supportingInfo.code
				code = c.GetStringBytes()
			case "display":
				display = c.GetStringBytes()
			}
			if c.GetObject() != nil || c.GetArray() != nil {
				f.pushKey(k)
				f.walkCodings(c)
				f.keys = f.keys[:len(f.keys)-1]
			}
		})
		if len(system) > 0 && len(code) > 0 {
			f.addCoding(system, code, display)
		}
		return
	}
	for _, e := range v.GetArray() {
		f.walkCodings(e)
	}
}

// addCoding adds one Coding to rec.Codings unless the EOB already has it at
// the same element; then it only fills a missing display.
func (f *Flattener) addCoding(system, code, display []byte) {
	elem, he := f.codingElement()
	hc := maphash.Bytes(f.seed, system)*31 ^ maphash.Bytes(f.seed, code)
	cs := f.rec.Codings
	if 2*(len(cs)+1) > len(f.seen) {
		f.growSeen()
	}
	mask := uint64(len(f.seen) - 1)
	for i := (he*961 ^ hc) & mask; ; i = (i + 1) & mask {
		j := f.seen[i] - 1
		if j < 0 {
			f.seen[i] = int32(len(cs) + 1)
			break
		}
		if c := &cs[j]; c.Code == string(code) && c.System == string(system) && c.Element == elem {
			if c.Display == "" {
				c.Display = f.copyString(display)
			}
			return
		}
	}
	// Most codings repeat from EOB to EOB (claim types, roles, adjudication
	// categories): a direct-mapped cache of their strings saves copying
	// them again.
	e := &f.recent[hc%uint64(len(f.recent))]
	if e.Code != string(code) || e.System != string(system) {
		e.System, e.Code, e.Display = f.in(system), f.copyString(code), ""
	}
	if e.Display != string(display) {
		e.Display = f.copyString(display)
	}
	f.rec.Codings = append(cs, Coding{Element: elem, System: e.System, Code: e.Code, Display: e.Display})
}

// growSeen doubles the hash table f.seen (open addressing, linear probing;
// slots hold 1 + an index in rec.Codings, 0 when free) and reinserts the
// codings of the EOB.
func (f *Flattener) growSeen() {
	n := max(2*len(f.seen), 64)
	f.seen = make([]int32, n)
	mask := uint64(n - 1)
	for j, c := range f.rec.Codings {
		h := maphash.String(f.seed, c.Element)*961 ^ maphash.String(f.seed, c.System)*31 ^ maphash.String(f.seed, c.Code)
		i := h & mask
		for f.seen[i] != 0 {
			i = (i + 1) & mask
		}
		f.seen[i] = int32(j + 1)
	}
}

// element is the name of the element of a path of keys, and its hash.
type element struct {
	name string
	hash uint64
}

// pushKey descends into key k of the value being visited. The path f.keys
// and the element names f.elems computed for it are kept beyond the current
// depth (up to f.memo) while the keys pushed match them, so that the codings
// of sibling items or adjudications name their element once per EOB, not
// once each.
func (f *Flattener) pushKey(k []byte) {
	d := len(f.keys)
	if d < f.memo && bytes.Equal(f.keys[:f.memo][d], k) {
		f.keys = f.keys[:d+1]
		return
	}
	f.keys = append(f.keys, k)
	f.elems = append(f.elems[:d], element{})
	f.memo = d + 1
}

// codingElement returns the element a Coding at f.keys belongs to: the keys
// joined with dots, without a final "coding" (so a CodeableConcept's codings
// are named after the concept: "type", "careTeam.role",
// "item.adjudication.category"), e.g. "extension.valueCoding" or
// "supportingInfo.code".
func (f *Flattener) codingElement() (string, uint64) {
	n := len(f.keys)
	if n == 0 {
		// A Coding as the resource itself: not an EOB, but be total.
		return elemEOB, maphash.String(f.seed, elemEOB)
	}
	if e := f.elems[n-1]; e.name != "" {
		return e.name, e.hash
	}
	keys := f.keys
	if string(keys[n-1]) == "coding" {
		keys = keys[:n-1]
	}
	if len(keys) > maxCodingDepth {
		keys = keys[:maxCodingDepth]
	}
	f.buf = f.buf[:0]
	for i, k := range keys {
		if i > 0 {
			f.buf = append(f.buf, '.')
		}
		f.buf = append(f.buf, k...)
	}
	name := f.in(f.buf)
	if name == "" {
		name = elemEOB // only "coding" on the path
	}
	f.elems[n-1] = element{name, maphash.String(f.seed, name)}
	return name, f.elems[n-1].hash
}
