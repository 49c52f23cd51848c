package report

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Charts are laid out here and drawn by the template as inline SVG: no
// script, nothing to fetch, vector when printed.

// Chart geometry, in SVG user units (CSS pixels at full width).
const (
	chartWidth   = 1040.0
	maxBarWidth  = 56.0
	chartHeight  = 280.0
	marginLeft   = 56.0
	marginRight  = 12.0
	marginTop    = 12.0
	marginBottom = 40.0
	charWidth    = 7.0 // average width of a tick label character
)

// series is one stacked layer of a bar chart.
type series struct {
	Name   string
	Color  string
	Values []float64
}

// barChart is a laid-out bar chart, ready to draw.
type barChart struct {
	Label         string // accessible name
	Width, Height float64
	Left, Right   float64 // x of the plot area's edges
	Top, Bottom   float64 // y of the plot area's edges
	Grid          []gridLine
	Bars          []bar
	XTicks        []xTick
	Empty         bool // nothing to draw
}

type gridLine struct {
	Y     float64
	Label string
}

type bar struct {
	X, Y, W, H float64
	Fill       string
	Title      string // tooltip
}

type xTick struct {
	X     float64
	Label string
}

// stackedBars lays out one bar per category with the series stacked in
// order. colors, when not nil, overrides the fill of each category's bars
// (one series). unit names the values in tooltips.
func stackedBars(label string, categories []string, ss []series, colors []string, unit string) barChart {
	c := barChart{
		Label: label, Width: chartWidth, Height: chartHeight,
		Left: marginLeft, Right: chartWidth - marginRight,
		Top: marginTop, Bottom: chartHeight - marginBottom,
	}
	var peak float64
	for i := range categories {
		var sum float64
		for _, s := range ss {
			sum += s.Values[i]
		}
		peak = math.Max(peak, sum)
	}
	if len(categories) == 0 || peak == 0 {
		c.Empty = true
	}
	step, top := niceScale(peak)
	plotH := c.Bottom - c.Top
	for v := 0.0; v <= top+step/2; v += step {
		c.Grid = append(c.Grid, gridLine{Y: c.Bottom - v/top*plotH, Label: compact(v)})
	}
	if len(categories) == 0 {
		return c
	}
	slot := (c.Right - c.Left) / float64(len(categories))
	width := math.Min(slot-math.Min(slot*0.2, 8), maxBarWidth)
	for i, cat := range categories {
		x := c.Left + (float64(i)+0.5)*slot - width/2
		y := c.Bottom
		for _, s := range ss {
			v := s.Values[i]
			if v <= 0 {
				continue
			}
			h := v / top * plotH
			y -= h
			fill := s.Color
			if colors != nil {
				fill = colors[i]
			}
			title := cat + ": " + formatFloat(v) + " " + unit
			if len(ss) > 1 {
				title = cat + " · " + s.Name + ": " + formatFloat(v) + " " + unit
			}
			c.Bars = append(c.Bars, bar{X: x, Y: y, W: width, H: h, Fill: fill, Title: title})
		}
	}
	// Label every k-th category so that the labels do not overlap.
	widest := 0
	for _, cat := range categories {
		widest = max(widest, utf8.RuneCountInString(cat))
	}
	every := max(1, int(math.Ceil((float64(widest)*charWidth+12)/slot)))
	for i, cat := range categories {
		if labelled(cat, i, every) {
			c.XTicks = append(c.XTicks, xTick{X: c.Left + (float64(i)+0.5)*slot, Label: cat})
		}
	}
	return c
}

// monthSteps are the spacings of month labels: they fall on the same
// months of every year.
var monthSteps = []int{1, 2, 3, 6, 12, 24, 60, 120}

// labelled tells whether the i-th category gets a label when every k-th
// one can: months ("2006-01") on calendar-aligned steps (January, April,
// July, …), other categories from the first.
func labelled(cat string, i, every int) bool {
	m, err := time.Parse("2006-01", cat)
	if err != nil {
		return i%every == 0
	}
	step := monthSteps[len(monthSteps)-1]
	for _, s := range monthSteps {
		if s >= every {
			step = s
			break
		}
	}
	return (m.Year()*12+int(m.Month())-1)%step == 0
}

// niceScale returns a tick step of 1, 2 or 5 times a power of ten that
// divides [0, peak] into at most about five steps, and the top of the axis.
func niceScale(peak float64) (step, top float64) {
	if peak <= 0 {
		return 1, 1
	}
	raw := peak / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	if step < 1 && peak >= 1 {
		step = 1
	}
	return step, math.Ceil(peak/step) * step
}

// compact formats an axis value: 950, 1,500, 12k, 3.5M.
func compact(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case a >= 1e4:
		return strconv.FormatFloat(math.Round(v/1e2)/10, 'f', -1, 64) + "k"
	case a < 10 && v != math.Trunc(v):
		return strconv.FormatFloat(math.Round(v*1e3)/1e3, 'f', -1, 64)
	default:
		return formatFloat(v)
	}
}

// formatFloat formats a value with thousands separators and at most one
// decimal.
func formatFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return formatInt(int64(v))
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	whole, frac := s[:len(s)-2], s[len(s)-2:]
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return s
	}
	if n == 0 && v < 0 {
		return "-0" + frac
	}
	return formatInt(n) + frac
}

// formatInt formats n with comma thousands separators: 1,234,567.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// heatClass is the CSS class of a heat-map cell: h0 for an empty column
// (0%), h1 … h9 for each tenth above it, h10 for a full one, na when there
// is nothing to fill.
func heatClass(rate float64) string {
	switch {
	case rate < 0:
		return "na"
	case rate == 0:
		return "h0"
	}
	return "h" + strconv.Itoa(max(1, int(math.Floor(rate*10+1e-9))))
}
