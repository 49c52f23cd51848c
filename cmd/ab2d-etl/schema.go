package main

import (
	"github.com/spf13/cobra"

	"github.com/ab2d-etl/ab2d-etl/schema"
)

// schemaCommand is `schema`: the data dictionary, generated from package
// schema.
func (a *app) schemaCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema [flags] [TABLE...]",
		Short: "print the tables, columns, types, FHIR source paths and descriptions",
		RunE: func(cmd *cobra.Command, args []string) error {
			cat := schema.Warehouse()
			if len(args) > 0 {
				var err error
				if cat, err = cat.Select(args...); err != nil {
					return usageError{err.Error()}
				}
			}
			switch format {
			case "markdown", "md":
				return cat.WriteMarkdown(a.stdout)
			case "json":
				return cat.WriteJSON(a.stdout)
			}
			return usagef("--format %q: want markdown or json", format)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "markdown", "markdown or json")
	return cmd
}
