package tools

import "mvdan.cc/sh/v3/syntax"

// poetry: pyproject.toml and poetry.lock, `install --no-root` first.
var poetry *Tool

func init() {
	poetry = Register(&Tool{
		Name: "poetry", Family: "poetry/pipenv", Rank: 20,
		Progs: []string{"poetry"}, Module: "poetry",
		Command: Spec{
			Valued: []string{"-C", "--directory", "-P", "--project", "-E", "--extras", "--with", "--without", "--only", "-v"},
			Deps:   []string{"install", "add", "update", "lock", "sync"},
			Build:  []string{"build"},
			Uses:   []string{"install", "add", "update", "lock", "sync"},
		},
		Dockerignore: &Dockerignore{Entry: "python", Subs: []string{"install"}},
		Hoist: &Hoist{
			Required:    []string{"pyproject.toml"},
			Optional:    []string{"poetry.lock", "poetry.toml"},
			Outputs:     []string{".venv"},
			DepsOnly:    "`poetry install --no-root`, then the original after the COPY",
			Source:      "path dependencies",
			Match:       matchPoetry,
			NeedsSource: tomlPathDeps("pyproject.toml"),
		},
		Cache: &Cache{
			// Poetry keeps its virtualenvs under the cache directory
			// ({cache-dir}/virtualenvs): mount only the package caches beside them.
			Dirs: []CacheDir{
				{Dirs: []string{"$POETRY_CACHE_DIR/cache", "$XDG_CACHE_HOME/pypoetry/cache", "~/.cache/pypoetry/cache"}},
				{Dirs: []string{"$POETRY_CACHE_DIR/artifacts", "$XDG_CACHE_HOME/pypoetry/artifacts", "~/.cache/pypoetry/artifacts"}},
				pipCache,
			},
			NoCache: []string{"--no-cache"},
			Clean:   CleanSub("cache", "clear"),
			DirCmds: []DirCmd{{Args: "config cache-dir", Dirs: []string{"$POETRY_CACHE_DIR", "$XDG_CACHE_HOME/pypoetry", "~/.cache/pypoetry"}}},
		},
		Writes: []*Write{pythonProject},
	})
}

// pythonProject is what poetry, pipenv, uv and pdm installs write.
var pythonProject = &Write{
	Command: "poetry install / pipenv install / uv sync",
	Writes:  ".venv when the environment is in the project, the lock file when it is missing or out of date (unless --locked/--frozen/--deploy)",
	Hoist:   "a dependency-only form before, the original again after the COPY",
}

func matchPoetry(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "install" {
		return nil
	}
	cl := poetry.Command.Parse(args, si+1)
	if cl.Has("--only-root") {
		return nil
	}
	in := &Install{}
	if !ProjectDir(in, cl, "-C", "--directory", "-P", "--project") {
		return &Install{Source: in.Source}
	}
	if cl.Has("--no-root") {
		in.Same, in.Dep = true, Same
		return in
	}
	in.Dep = func(t Text) string { return t.Splice(t.After(si, " --no-root")) }
	return in
}
