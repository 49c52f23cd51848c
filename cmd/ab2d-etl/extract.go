package main

import "github.com/spf13/cobra"

// extractCommand is `extract`: the export and the downloads only.
func (a *app) extractCommand() *cobra.Command {
	var o remoteOptions
	cmd := &cobra.Command{
		Use:   "extract [flags]",
		Short: "export, poll, download and verify files into DIR/landing/<job_id>/ only",
		Long: `Exports from AB2D and downloads every file into DIR/landing/<job_id>/, verified against the
manifest; nothing is loaded. A later 'ab2d-etl run' with the same request resumes the job and loads
what landed; 'ab2d-etl load DIR/landing/<job_id>' loads it too.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runRemote(cmd, &o, "extract") },
	}
	o.register(cmd.Flags(), false)
	return cmd
}
