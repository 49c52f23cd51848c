package transform

import (
	"hash/maphash"

	"github.com/ab2d-etl/ab2d-etl/internal/jsontree"
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
func (f *Flattener) codings(root *jsontree.Value) {
	if len(f.seen) > 4096 {
		f.seen = nil // do not keep clearing what one huge EOB needed
	}
	clear(f.seen)
	if f.paths == nil || f.npaths > maxPaths {
		// Start afresh: the tree holds the paths of the EOBs since, and
		// hostile input is not to grow it without bound.
		f.paths = &pathNode{name: elemEOB, hash: maphash.String(f.seed, elemEOB)}
		f.npaths = 1
	}
	if o := root.GetObject(); o != nil { // a resource is an object
		f.walkObject(o, f.paths)
	}
}

// walkObject visits the object o, found at the path n, and everything
// below it, adding the Codings it finds (addCoding).
func (f *Flattener) walkObject(o *jsontree.Object, n *pathNode) {
	var system, code, display []byte
	for i := range o.Len() {
		k, c := o.At(i)
		switch string(k) {
		case "system":
			if system = c.GetStringBytes(); system != nil {
				continue // a string: nothing below it
			}
		case "code": // also a CodeableConcept, e.g. supportingInfo.code
			if code = c.GetStringBytes(); code != nil {
				continue
			}
		case "display":
			if display = c.GetStringBytes(); display != nil {
				continue
			}
		}
		switch c.Type() {
		case jsontree.TypeObject:
			co, _ := c.Object()
			f.walkObject(co, f.child(n, k))
		case jsontree.TypeArray:
			a, _ := c.Array()
			f.walkArray(a, f.child(n, k))
		}
	}
	if len(system) > 0 && len(code) > 0 {
		f.addCoding(n, system, code, display)
	}
}

// walkArray is walkObject for the elements of an array, found at the path
// n: array positions are not part of it.
func (f *Flattener) walkArray(a []*jsontree.Value, n *pathNode) {
	for _, e := range a {
		switch e.Type() {
		case jsontree.TypeObject:
			o, _ := e.Object()
			f.walkObject(o, n)
		case jsontree.TypeArray:
			ea, _ := e.Array()
			f.walkArray(ea, n)
		}
	}
}

// addCoding adds one Coding, found at the path n, to rec.Codings unless the
// EOB already has it at the same element; then it only fills a missing
// display.
func (f *Flattener) addCoding(n *pathNode, system, code, display []byte) {
	elem, he := n.name, n.hash
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
	f.rec.codingHashes = append(f.rec.codingHashes, hc)
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

// maxPaths bounds the tree of paths kept from EOB to EOB (see pathNode).
const maxPaths = 4096

// maxPathKids is the number of children of a pathNode above which they are
// found through a map.
const maxPathKids = 16

// A pathNode is a path of object keys from the root of a resource (array
// positions are not part of it) that the codings walk has met, with the
// element that a Coding found there belongs to. The paths form a tree that
// the Flattener keeps from EOB to EOB, so that the codings of sibling items
// or adjudications, and of the next EOBs, name their element without
// building the name again.
type pathNode struct {
	key   string // the last key of the path
	path  string // the keys joined with dots, cut after maxCodingDepth keys
	depth int    // the number of keys
	name  string // the element of a Coding here, see pathNode.child
	hash  uint64 // maphash of name

	kids   []*pathNode          // the paths one key longer
	kidMap map[string]*pathNode // the same, once there are more than maxPathKids
}

// child returns the path n followed by key k, adding it to the tree when
// new.
func (f *Flattener) child(n *pathNode, k []byte) *pathNode {
	if n.kidMap != nil {
		if c := n.kidMap[string(k)]; c != nil {
			return c
		}
	} else {
		for _, c := range n.kids {
			if c.key == string(k) {
				return c
			}
		}
	}
	c := &pathNode{key: string(k), depth: n.depth + 1}
	switch {
	case n.depth == 0:
		c.path = c.key
	case n.depth >= maxCodingDepth:
		c.path = n.path
	default:
		c.path = n.path + "." + c.key
	}
	// A Coding is named after its element: the path without a final
	// "coding", so that a CodeableConcept's codings are named after the
	// concept ("type", "careTeam.role", "item.adjudication.category"),
	// e.g. "extension.valueCoding" or "supportingInfo.code".
	c.name = c.path
	if c.key == "coding" {
		c.name = n.path
	}
	if c.name == "" {
		c.name = elemEOB // only "coding" on the path
	}
	c.hash = maphash.String(f.seed, c.name)
	f.npaths++
	if n.kidMap != nil {
		n.kidMap[c.key] = c
		return c
	}
	n.kids = append(n.kids, c)
	if len(n.kids) > maxPathKids {
		n.kidMap = make(map[string]*pathNode, 2*len(n.kids))
		for _, k := range n.kids {
			n.kidMap[k.key] = k
		}
		n.kids = nil
	}
	return c
}
