package cacheplan

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// RunFacts reads a RUN's mounts as Document.Mounts does with the stage
// state before it, once per document: the plan of the pass reads the
// same list.
func TestRunFactsMountsOncePerDocument(t *testing.T) {
	src := "FROM python:3.12\nARG C=/root/.cache\nRUN --mount=type=cache,target=$C/pip pip install x\nRUN --mount=type=bind,from=nope,target=/x true\nRUN echo hi\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	p := &transform.Pass{Doc: d}
	facts, plan := FactsOf(p), Of(p)
	se := transform.StagesOf(p)
	for _, ins := range d.Instructions[1:] {
		if ins.Cmd != "run" {
			continue
		}
		want, wantErr := d.Mounts(ins, se.At(ins).Expander())
		got, gotErr := facts.Mounts(ins)
		require.Equal(t, wantErr, gotErr, ins.Text(d))
		require.Equal(t, want, got, ins.Text(d))
		again, _ := plan.mountsOf(ins)
		if len(got) > 0 {
			require.Same(t, &got[0], &again[0], "read once")
		}
	}
	require.Equal(t, "/root/.cache/pip", plan.Runs[0].existing[0].Target)
}

// The invocations RunFacts keeps are what FindInvocations finds, and the
// plan of the pass reads the same ones (found once for it and
// apt-hygiene); the other RUNs of the document too.
func TestRunFactsInvocationsOncePerDocument(t *testing.T) {
	src := "FROM node:20\nCOPY .yarnrc.yml .\nRUN apt-get update && apt-get install -y curl && yarn install\nRUN sudo apk add x; pip install -r r.txt\nRUN echo hi\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	p := &transform.Pass{Doc: d}
	facts, plan := FactsOf(p), Of(p)
	n := 0
	for _, r := range plan.Runs {
		ctx := &ManagerCtx{Pass: p, Stages: transform.StagesOf(p), Ins: r.Ins, Script: r.script, Mentioned: &facts.Mentioned}
		want := FindInvocations(&ManagerCtx{Pass: p, Stages: ctx.Stages, Ins: r.Ins, Script: r.script}, r.script.Commands)
		got := facts.Invocations(ctx)
		require.Equal(t, len(want), len(got), r.Ins.Text(d))
		for i := range want {
			require.Same(t, r.Invs[i], got[i], "the plan's")
			got[i].clean = want[i].clean // IsClean's memo
			require.Equal(t, *want[i], *got[i], r.Ins.Text(d))
			n++
		}
	}
	require.Equal(t, 5, n)
	require.Equal(t, "yarn berry", plan.Runs[0].Invs[2].Manager.Name)
}

// partsOn keeps the invocations whose family's part is on, in order, as
// a filter of each one by Pass.PartOff would.
func TestPartsOnFilters(t *testing.T) {
	srcs := []string{
		"FROM python:3.12\n# hadolint ignore=DL3042\nRUN pip install x && npm ci && pip3 install y && npm i z\n",
		"FROM python:3.12\nRUN npm ci && pip install x && npm i z\n",
		"FROM python:3.12\n# hadolint ignore=DL3042\nRUN pip install x\n",
	}
	for _, src := range srcs {
		d, err := ast.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		p := &transform.Pass{Doc: d}
		plan := Of(p)
		r := plan.Runs[0]
		all := FactsOf(p).Invocations(r.mctx)
		var want []string
		for _, inv := range all {
			if !p.PartOff(transform.CacheMountsRule, inv.Manager.Family, r.Ins) {
				want = append(want, inv.Cmd.Args[0].Value)
			}
		}
		var got []string
		for _, inv := range plan.partsOn(r.Ins, all) {
			got = append(got, inv.Cmd.Args[0].Value)
		}
		require.Equal(t, want, got, src)
	}
}
