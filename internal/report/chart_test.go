package report

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestNiceScale(t *testing.T) {
	tests := []struct{ peak, step, top float64 }{
		{0, 1, 1},
		{1, 1, 1},
		{7, 2, 8},
		{10, 2, 10},
		{11, 5, 15},
		{68, 20, 80},
		{1000, 200, 1000},
		{73720, 20000, 80000},
		{0.42, 0.1, 0.5},
	}
	for _, tt := range tests {
		step, top := niceScale(tt.peak)
		if math.Abs(step-tt.step) > 1e-9 || math.Abs(top-tt.top) > 1e-9 {
			t.Errorf("niceScale(%v) = %v, %v; want %v, %v", tt.peak, step, top, tt.step, tt.top)
		}
	}
}

func TestFormat(t *testing.T) {
	ints := map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", -1234567: "-1,234,567", 294627: "294,627"}
	for n, want := range ints {
		if got := formatInt(n); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", n, got, want)
		}
	}
	floats := map[float64]string{2.5: "2.5", 1234.56: "1,234.6", 3: "3", -0.25: "-0.2"}
	for v, want := range floats {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
	axis := map[float64]string{0: "0", 800: "800", 1500: "1,500", 20000: "20k", 2.5e6: "2.5M", 0.30000000000000004: "0.3"}
	for v, want := range axis {
		if got := compact(v); got != want {
			t.Errorf("compact(%v) = %q, want %q", v, got, want)
		}
	}
	heat := map[float64]string{-1: "na", 0: "h0", 0.05: "h1", 0.1: "h1", 0.25: "h2", 0.999: "h9", 1: "h10"}
	for v, want := range heat {
		if got := heatClass(v); got != want {
			t.Errorf("heatClass(%v) = %q, want %q", v, got, want)
		}
	}
	if got := clip(strings.Repeat("é", maxReason+5)); got != strings.Repeat("é", maxReason)+"…" {
		t.Errorf("clip kept %d runes", len([]rune(got)))
	}
	if got := clip("short"); got != "short" {
		t.Errorf("clip(short) = %q", got)
	}
}

// TestStackedBars: bars stack in series order inside the plot area, and
// month labels fall on the same months of every year.
func TestStackedBars(t *testing.T) {
	var months []string
	for y := 2020; y <= 2026; y++ {
		for m := 1; m <= 12; m++ {
			months = append(months, fmt.Sprintf("%d-%02d", y, m))
		}
	}
	a := series{Name: "a", Color: "#111111", Values: make([]float64, len(months))}
	b := series{Name: "b", Color: "#222222", Values: make([]float64, len(months))}
	for i := range months {
		a.Values[i], b.Values[i] = float64(i), 10
	}
	c := stackedBars("test", months, []series{a, b}, nil, "claims")
	if c.Empty || len(c.Bars) != 2*len(months)-1 { // a is 0 in the first month
		t.Fatalf("%d bars, empty %v", len(c.Bars), c.Empty)
	}
	for _, bar := range c.Bars {
		if bar.X < c.Left || bar.X+bar.W > c.Right+1e-9 || bar.Y < c.Top-1e-9 || bar.Y+bar.H > c.Bottom+1e-9 {
			t.Errorf("bar %+v outside the plot area", bar)
		}
	}
	last := c.Bars[len(c.Bars)-1] // b of the last month, stacked on a
	if want := c.Bars[len(c.Bars)-2].Y; math.Abs(last.Y+last.H-want) > 1e-9 {
		t.Errorf("the second series starts at %v, the first ends at %v", last.Y+last.H, want)
	}
	if !strings.Contains(last.Title, "b: 10 claims") {
		t.Errorf("tooltip %q", last.Title)
	}
	if len(c.XTicks) == 0 {
		t.Fatal("no x labels")
	}
	for _, tick := range c.XTicks {
		if m := tick.Label[5:]; m != "01" && m != "04" && m != "07" && m != "10" {
			t.Errorf("label %s is not on a quarter's first month", tick.Label)
		}
	}
	if got := stackedBars("none", nil, nil, nil, ""); !got.Empty {
		t.Error("no categories: not empty")
	}
}
