package main

import "github.com/spf13/cobra"

// runCommand is `run`: extract → transform → load, the nightly job.
func (a *app) runCommand() *cobra.Command {
	var o remoteOptions
	cmd := &cobra.Command{
		Use:   "run [flags]",
		Short: "extract → transform → load, end to end (the nightly job)",
		Long: `Exports from AB2D, downloads every file, checks it against the manifest and loads it: the nightly
job. Incremental (--since auto), resumable (a killed run resumes the same export job and downloads
only what is missing) and idempotent (a file already loaded is not loaded again).

Credentials come from AB2D_CLIENT_ID and AB2D_CLIENT_SECRET or --credentials-file, never from the
command line. --sandbox runs against the embedded sandbox instead, with synthetic data.`,
		Example: `  ab2d-etl run --environment production --credentials-file /etc/ab2d-etl/credentials --out /srv/ab2d/warehouse
  ab2d-etl run --sandbox --client Z0001`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runRemote(cmd, &o, "run") },
	}
	o.register(cmd.Flags(), true)
	return cmd
}
