package main

import "github.com/spf13/cobra"

// sandboxesHelp tells the two sandboxes apart, for run's and extract's help.
const sandboxesHelp = `--sandbox runs against the embedded sandbox: a synthetic AB2D this program starts on a free
loopback port, no credentials needed (--client picks its contract; 'ab2d-etl sandbox -h' lists
them). It is not AB2D's public sandbox, which is --environment sandbox: the real service with
synthetic data, reached over the internet with its public credentials (the same ids and secrets).`

// runCommand is `run`: extract → transform → load, the nightly job.
func (a *app) runCommand() *cobra.Command {
	var o remoteOptions
	cmd := &cobra.Command{
		Use:   "run [flags]",
		Short: "extract → transform → load, end to end (the nightly job)",
		Long: `Exports from AB2D, downloads every file, checks it against the manifest and loads it: the nightly
job. Incremental (--since auto), resumable (a killed run resumes the same export job and downloads
only what is missing, and a run after 'ab2d-etl extract' loads what it landed) and idempotent (a
file already loaded is not loaded again).

Credentials come from AB2D_CLIENT_ID and AB2D_CLIENT_SECRET or --credentials-file, never from the
command line.

` + sandboxesHelp + `

Exit codes: 0 done; 1 failed (the message says why; rerun to resume); 2 bad flags or configuration;
3 done, but AB2D reported export errors (error files in the manifest, loaded into export_errors):
what AB2D delivered is loaded, and --since auto does not move past this run, so the next run asks
for the missing claims again; 130 interrupted (rerun to resume).`,
		Example: `  ab2d-etl run --environment production --credentials-file /etc/ab2d-etl/credentials --out /srv/ab2d/warehouse
  ab2d-etl run --sandbox --client Z0001
  ab2d-etl run --sandbox --sandbox-fault job:errors   # see what export errors do`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runRemote(cmd, &o, "run") },
	}
	o.register(cmd.Flags(), true)
	return cmd
}
