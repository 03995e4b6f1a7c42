package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/urfave/cli/v2"
)

func listRules(c *cli.Context) error {
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	for _, t := range transform.All() {
		class := "safe"
		if t.Unsafe {
			class = "unsafe"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, class, t.Doc)
	}
	return w.Flush()
}
