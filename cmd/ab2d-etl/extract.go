package main

import "github.com/spf13/cobra"

// extractCommand is `extract`: the export and the downloads only.
func (a *app) extractCommand() *cobra.Command {
	var o remoteOptions
	cmd := &cobra.Command{
		Use:   "extract [flags]",
		Short: "export, poll, download and verify files into DIR/landing/<job_id>/ only",
		Long: `Exports from AB2D and downloads every file into DIR/landing/<job_id>/, verified against the
manifest; nothing is loaded. Its last line says what loads the files: 'ab2d-etl run' with the same
flags (and the same --since), which resumes the job and loads what landed without a new export, or
'ab2d-etl load DIR/landing/<job_id>'.

` + sandboxesHelp + `
Each embedded sandbox is new: a job extracted from one is loaded with 'ab2d-etl load'.

Exit codes as for run: 3 means AB2D reported export errors (error files in the manifest).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runRemote(cmd, &o, "extract") },
	}
	o.register(cmd.Flags(), false)
	return cmd
}
