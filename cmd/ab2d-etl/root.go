package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes, as the SPEC fixes them, and exitExportErrors: the run
// loaded what AB2D delivered, but AB2D reported export errors, so --since
// auto did not move (the next run asks again), as rsync's 23 says that a
// transfer was partial.
const (
	exitOK           = 0
	exitFailed       = 1
	exitUsage        = 2
	exitExportErrors = 3
	exitInterrupted  = 130
)

// usageError marks errors in the command line or configuration (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// usagef returns a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCode ends a command with a given exit code; a command returns it
// after its summary line has said why, so nothing more is printed.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit code %d", int(e)) }

// app is one invocation: its output streams and the flags every command
// takes.
type app struct {
	stdin          io.Reader // `query` reads SQL from it
	stdout, stderr io.Writer
	out            string // --out
	logFormat      string // --log-format
	quiet          bool   // --quiet
}

// run parses args, runs the command and maps its outcome to an exit code.
// Flags may come anywhere: before, between or after the arguments.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Protected health information: whatever the caller's umask, what this
	// process creates (folders, Parquet, DuckDB's own files and WAL, the
	// landing zone) is readable by its owner only.
	syscall.Umask(0o077)
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.root()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && jsonLogRequested(args) {
		// Flags are parsed in order: one that failed before --log-format
		// json left it unset, and the error must still be a JSON line.
		a.logFormat = "json"
	}
	return a.exit(ctx, cmd, err)
}

// jsonLogRequested reports whether args ask for --log-format json.
func jsonLogRequested(args []string) bool {
	for i, s := range args {
		switch {
		case s == "--":
			return false
		case s == "--log-format=json", s == "--log-format" && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}

// root builds the command tree.
func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "ab2d-etl",
		Short: "AB2D claims into Parquet and DuckDB",
		Long: `ab2d-etl takes Medicare claims from the CMS AB2D bulk-export API (or NDJSON files you have)
into an analytics warehouse: Parquet files and DuckDB tables you can query in SQL.`,
		Version: version(),
		// Suggest commands at most two edits away, as cobra does by default.
		SuggestionsMinimumDistance: 2,
		SilenceErrors:              true, // exit prints them once, in the log format
		SilenceUsage:               true,
		Args:                       unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(a.stderr)
			_ = cmd.Usage() // a help text: nothing to do on error
			return usageError{"no command given"}
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			switch a.logFormat {
			case "text", "json":
			default:
				return usagef("--log-format %q: want text or json", a.logFormat)
			}
			switch cmd.Name() {
			case "run", "extract", "load", "query", "runs", "report": // the commands of the warehouse in --out
				return checkOut(a.out)
			}
			return nil
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetVersionTemplate("ab2d-etl {{.Version}}\n")
	pf := root.PersistentFlags()
	pf.StringVar(&a.out, "out", "./warehouse", "warehouse `DIR`")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format on stderr: text or json (one JSON object per line, the summary and errors included)")
	pf.BoolVarP(&a.quiet, "quiet", "q", false, "log warnings and errors only")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(a.runCommand(), a.extractCommand(), a.loadCommand(), a.queryCommand(),
		a.schemaCommand(), a.runsCommand(), a.reportCommand(), a.sandboxCommand())
	return root
}

// unknownCommand refuses an argument of the root command, which can only
// be a mistyped command, with cobra's suggestion.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usagef("%s; see '%s --help'", msg, cmd.CommandPath())
}

// version is the module version and VCS revision the binary was built
// from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v + " " + bi.GoVersion
}

// flagError makes a flag error a usage error with a suggestion for a
// mistyped flag and a pointer to the command's help.
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if s := suggestFlag(cmd, name); s != "" {
			msg += fmt.Sprintf(" (did you mean --%s?)", s)
		}
	}
	return usagef("%s; see '%s --help'", msg, cmd.CommandPath())
}

// suggestFlag returns the flag of cmd closest to a mistyped name, or "".
func suggestFlag(cmd *cobra.Command, name string) string {
	best, dist := "", 3 // at most two edits away
	visit := func(f *pflag.Flag) {
		if d := editDistance(name, f.Name); d < dist || (strings.HasPrefix(f.Name, name) && dist > 1) {
			best, dist = f.Name, min(d, 1)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	return best
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// exit reports err once, in the log format, and returns the exit code.
func (a *app) exit(ctx context.Context, cmd *cobra.Command, err error) int {
	if err == nil {
		return exitOK
	}
	name := "ab2d-etl"
	if cmd != nil && cmd != cmd.Root() {
		name = cmd.CommandPath()
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	code, msg := exitFailed, err.Error()
	var ue usageError
	switch {
	case errors.As(err, &ue), strings.HasPrefix(msg, "unknown command "), strings.Contains(msg, "accepts ") && strings.Contains(msg, "arg(s)"):
		code = exitUsage
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		code = exitInterrupted
		msg = "interrupted; the warehouse holds every file loaded before the interruption, rerun to continue"
	}
	if a.logFormat == "json" {
		slog.New(slog.NewJSONHandler(a.stderr, nil)).Error(msg, "command", name, "exit_code", code)
	} else {
		fmt.Fprintf(a.stderr, "%s: %s\n", name, strings.TrimRight(msg, "\n"))
	}
	return code
}

// logger returns the logger of the --log-format and --quiet flags.
func (a *app) logger() *slog.Logger {
	level := slog.LevelInfo
	if a.quiet {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(a.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(a.stderr, opts))
}

// summary prints a command's last line: text on stdout, or, with
// --log-format json, one JSON object on stderr like every other line: a
// warning when its attributes hold a status other than succeeded.
func (a *app) summary(msg string, attrs ...any) {
	if a.logFormat == "json" {
		level := slog.LevelInfo
		for i := 0; i+1 < len(attrs); i += 2 {
			if attrs[i] == "status" && attrs[i+1] != "succeeded" {
				level = slog.LevelWarn
			}
		}
		slog.New(slog.NewJSONHandler(a.stderr, nil)).Log(context.Background(), level, msg, attrs...)
		return
	}
	fmt.Fprintln(a.stdout, msg)
}
