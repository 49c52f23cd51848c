package report

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// urlAttributes are the HTML and SVG attributes whose value a browser
// fetches or navigates to.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "srcset": true, "action": true, "formaction": true, "poster": true,
	"data": true, "background": true, "cite": true, "longdesc": true, "manifest": true, "ping": true,
	"codebase": true, "archive": true, "usemap": true, "lowsrc": true, "dynsrc": true, "imagesrcset": true,
}

// externalRefs returns what in an HTML page could make a browser load
// something: a script, a URL attribute that is not a fragment of the page
// itself (#id), CSS url() or @import, or a meta refresh. Text is not
// looked at: a code system URI printed on the page is words, not a link.
func externalRefs(t *testing.T, doc []byte) []string {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	css := func(where, s string) {
		l := strings.ToLower(s)
		if strings.Contains(l, "url(") || strings.Contains(l, "@import") || strings.Contains(l, "image-set(") {
			found = append(found, where+" loads a resource: "+s)
		}
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				found = append(found, "a <script> element")
			case "style":
				css("<style>", text(n))
			case "meta":
				if v, _ := attr(n, "http-equiv"); strings.EqualFold(v, "refresh") {
					found = append(found, "a meta refresh")
				}
			}
			for _, a := range n.Attr {
				switch {
				case urlAttributes[a.Key] && a.Val != "" && !strings.HasPrefix(a.Val, "#"):
					found = append(found, "<"+n.Data+" "+a.Key+"="+a.Val+">")
				case a.Key == "style":
					css("<"+n.Data+" style>", a.Val)
				case strings.HasPrefix(a.Key, "on"):
					found = append(found, "<"+n.Data+" "+a.Key+">: an event handler (script)")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return found
}

// TestNoExternalReferences: the report loads nothing, and its own
// Content-Security-Policy forbids loading anything but inline styles.
func TestNoExternalReferences(t *testing.T) {
	tw := buildWarehouse(t, nil)
	_, _, doc := openReport(t, tw.dir)
	if refs := externalRefs(t, doc); len(refs) > 0 {
		t.Errorf("the report references what is not in it:\n%s", strings.Join(refs, "\n"))
	}
	p := parsePage(t, doc)
	csp := find(p.root, func(n *html.Node) bool {
		v, _ := attr(n, "http-equiv")
		return n.Data == "meta" && strings.EqualFold(v, "Content-Security-Policy")
	})
	if csp == nil {
		t.Fatal("no Content-Security-Policy")
	}
	if v, _ := attr(csp, "content"); !strings.Contains(v, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q does not forbid loading by default", v)
	}
	// The page has links, all within itself.
	if links := bytes.Count(doc, []byte(`href="#`)); links < 6 {
		t.Errorf("%d in-page links, want the 6 of the navigation", links)
	}
}

// TestExternalRefsFinds proves the check able to fail: each page below
// loads something, the last one nothing.
func TestExternalRefsFinds(t *testing.T) {
	bad := []string{
		`<img src="https://cdn.example/x.png">`,
		`<link rel="stylesheet" href="//cdn.example/x.css">`,
		`<link rel="stylesheet" href="report.css">`,
		`<script>document.title = "x"</script>`,
		`<div style="background: URL(x.png)">x</div>`,
		`<style>@import "x.css";</style>`,
		`<svg><image href="http://example.invalid/x.png"/></svg>`,
		`<svg><use xlink:href="sprites.svg#a"/></svg>`,
		`<meta http-equiv="refresh" content="0; url=http://example.invalid/">`,
		`<body onload="fetch('x')">`,
		`<a href="file:///etc/passwd">x</a>`,
	}
	for _, page := range bad {
		if refs := externalRefs(t, []byte(page)); len(refs) == 0 {
			t.Errorf("not found in %s", page)
		}
	}
	good := `<a href="#totals">Totals</a><p>system http://hl7.org/fhir/sid/icd-10</p><svg viewBox="0 0 1 1"><rect width="1" height="1"/></svg>`
	if refs := externalRefs(t, []byte(good)); len(refs) > 0 {
		t.Errorf("found %v in a page that loads nothing", refs)
	}
}
