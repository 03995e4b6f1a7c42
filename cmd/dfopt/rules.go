package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/urfave/cli/v2"
)

// listRules prints every rule: name, safe or unsafe, its doc, and the
// hadolint checks whose `# hadolint ignore=` pragmas switch it off; then,
// under the doc, one line per option the rule reads.
func listRules(c *cli.Context) error {
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	for _, t := range transform.All() {
		class := "safe"
		if t.Unsafe {
			class = "unsafe"
		}
		doc := t.Doc
		if codes := transform.HadolintCodes(t.Name); len(codes) > 0 {
			doc += " (hadolint " + strings.Join(codes, ", ") + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, class, doc)
		for _, o := range t.Options {
			fmt.Fprintf(w, "\t\toption %s: %s\n", o.Usage(), o.Doc)
		}
	}
	return w.Flush()
}
