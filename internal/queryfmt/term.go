package queryfmt

import (
	"os"
	"strconv"

	"golang.org/x/term"
)

// TerminalWidth returns the width, in cells, that tables written to f should
// fit: $COLUMNS if it holds a positive number (set it to lay out output that
// goes to a pipe or a file, as ls honours it), else the width of the terminal
// f is, else 0, which means no limit: output that is not a terminal is not
// cut.
func TerminalWidth(f *os.File) int {
	return terminalWidth(f, os.Getenv)
}

// terminalWidth is TerminalWidth with the environment passed in.
func terminalWidth(f *os.File, getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f == nil || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil || w <= 0 {
		return 0
	}
	return w
}
