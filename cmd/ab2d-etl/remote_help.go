package main

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ab2d-etl/ab2d-etl/pipeline/extract"
)

// sinceText is a --since for a message: RFC 3339, or "none" (everything).
func sinceText(t time.Time) string {
	if t.IsZero() {
		return "none (everything)"
	}
	return t.UTC().Format(time.RFC3339)
}

// nextStep is what loads the files extract landed: the same command line
// as run, which resumes the job and loads them without a new export (not
// with --sandbox: each embedded sandbox is new, and knows no earlier job),
// or load on the job's folder. A --since or --until given is written as
// the time it meant, so that a duration (24h) asks for the same again.
func nextStep(cmd *cobra.Command, o *remoteOptions, out string, st *extract.State) string {
	loadCmd := "ab2d-etl load --out " + shellQuote(out) + " " + shellQuote(st.Dir())
	if o.embedded {
		return loadCmd
	}
	args := []string{"ab2d-etl", "run"}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch f.Name {
		case "new-job", "workers", "max-wait", "quiet", "log-format": // a second export, or extract's own
		case "since":
			args = append(args, "--since", timeFlag(st.Since, "none"))
		case "until":
			args = append(args, "--until", timeFlag(st.Until, `""`))
		default:
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				for _, v := range sv.GetSlice() {
					args = append(args, "--"+f.Name, shellQuote(v))
				}
			} else if f.Value.Type() == "bool" {
				args = append(args, "--"+f.Name+"="+f.Value.String())
			} else {
				args = append(args, "--"+f.Name, shellQuote(f.Value.String()))
			}
		}
	})
	return strings.Join(args, " ") + " (resumes this job and loads its files, no new export), or " + loadCmd
}

// timeFlag writes t for --since or --until; zero is none.
func timeFlag(t time.Time, none string) string {
	if t.IsZero() {
		return none
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkSandboxOnly refuses the flags of the embedded sandbox without
// --sandbox: they would be ignored, and the run would go to AB2D.
func checkSandboxOnly(f *pflag.FlagSet, embedded bool) error {
	if embedded {
		return nil
	}
	var set []string
	for _, name := range []string{"client", "sandbox-job-seconds", "sandbox-fault", "sandbox-max-downloads"} {
		if f.Changed(name) {
			set = append(set, "--"+name)
		}
	}
	if len(set) == 0 {
		return nil
	}
	return usagef("%s: only with --sandbox, the embedded sandbox this program starts (synthetic data, no credentials needed), e.g. ab2d-etl %s --sandbox --client Z0001; "+
		"against AB2D (--environment sandbox for AB2D's public sandbox, or production) the contract follows from the credentials", strings.Join(set, ", "), f.Name())
}
