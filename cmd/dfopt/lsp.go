package main

import (
	"context"
	"errors"
	"os"

	"github.com/dfopt/dfopt/pkg/lsp"
	"github.com/urfave/cli/v2"
)

func lspCommand() *cli.Command {
	return &cli.Command{
		Name:  "lsp",
		Usage: "run the language server on standard input and output (for editors)",
		Description: "Speaks the Language Server Protocol over stdio: publishes dfopt's findings as\n" +
			"diagnostics when a Dockerfile is opened, changed or saved, offers each fix as a quick fix\n" +
			"and every safe fix at once as the source action source.fixAll.dfopt. The configuration is\n" +
			"found as `dfopt check` finds it (the nearest .dfopt.yaml).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", EnvVars: []string{"DFOPT_CONFIG"}, Usage: "use the configuration `FILE` for every Dockerfile (default: the nearest .dfopt.yaml)"},
			&cli.BoolFlag{Name: "no-config", Usage: "read no configuration file"},
			&cli.BoolFlag{Name: "stdio", Usage: "talk over standard input and output (the default; accepted for clients that pass it)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{"lsp takes no arguments"}
			}
			s := lsp.New(lsp.Options{Version: versionString(), Config: c.String("config"), NoConfig: c.Bool("no-config")})
			err := s.Serve(context.Background(), stdio{})
			if errors.Is(err, lsp.ErrNoShutdown) {
				return exitCode(1)
			}
			return err
		},
	}
}

// stdio is standard input and output as one stream.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdio) Close() error                { return os.Stdin.Close() }
