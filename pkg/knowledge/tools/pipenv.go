package tools

import "mvdan.cc/sh/v3/syntax"

// pipenv: Pipfile and Pipfile.lock.
var pipenv *Tool

func init() {
	pipenv = Register(&Tool{
		Name: "pipenv", Family: "poetry/pipenv", Rank: 30,
		Progs: []string{"pipenv"}, Module: "pipenv",
		Command: Spec{
			Valued: []string{"--python", "--pypi-mirror", "-r", "--requirements", "--categories", "--extra-pip-args"},
			Deps:   []string{"install", "sync", "lock", "update"},
			Uses:   []string{"install", "sync", "update", "lock", "upgrade"},
		},
		Dockerignore: &Dockerignore{Entry: "python", Subs: []string{"install", "sync"}},
		Hoist: &Hoist{
			Required:    []string{"Pipfile"},
			Optional:    []string{"Pipfile.lock", ".env"},
			Outputs:     []string{".venv"},
			DepsOnly:    "the same `pipenv install …`",
			Source:      "path or editable packages in the Pipfile",
			Match:       matchPipenv,
			NeedsSource: tomlPathDeps("Pipfile"),
		},
		Cache: &Cache{
			Dirs:       []CacheDir{{Dirs: []string{"$PIPENV_CACHE_DIR", "$XDG_CACHE_HOME/pipenv", "~/.cache/pipenv"}}, pipCache},
			NoCache:    []string{"--clear"},
			NoCacheEnv: []string{"PIP_NO_CACHE_DIR"},
		},
	})
}

func matchPipenv(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "install" && sub != "sync" {
		return nil
	}
	cl := pipenv.Command.Parse(args, si+1)
	if len(cl.Pos) > 0 || cl.Has("-r", "--requirements", "-e", "--editable") {
		return nil // adds packages to the Pipfile
	}
	return &Install{Same: true, Dep: Same}
}
