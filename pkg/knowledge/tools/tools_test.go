package tools

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

func words(t *testing.T, line string) []*syntax.Word {
	f, err := syntax.NewParser().Parse(strings.NewReader(line), "")
	require.NoError(t, err)
	return f.Stmts[0].Cmd.(*syntax.CallExpr).Args
}

func TestSpecParse(t *testing.T) {
	s := &Spec{Valued: []string{"-f", "-r"}}
	l := s.Parse(words(t, `mvn -B -f pom.xml -rreq.txt --x=1 $OPT goal -- -y`), 1)
	var names []string
	for _, o := range l.Opts {
		names = append(names, o.Name+"="+o.Value)
	}
	require.Equal(t, []string{"-B=", "-f=pom.xml", "-r=req.txt", "--x=1"}, names)
	require.Equal(t, []int{6, 7, 9}, l.Pos) // $OPT, goal, -y after --
	require.False(t, l.Lit)
}

func TestKinds(t *testing.T) {
	tests := map[string]Kind{
		"mvn -B -f pom.xml dependency:go-offline": KindDeps,
		"mvn -P prod dependency:resolve":          KindDeps,
		"mvn -B -f pom.xml package":               KindBuild,
		"./gradlew -p app dependencies":           KindDeps,
		"gradle -x test build":                    KindBuild,
		"sbt -mem 2048 update":                    KindDeps,
		"sbt clean stage":                         KindBuild,
		"npm ci":                                  KindDeps,
		"npm run build":                           KindBuild,
		"yarn build":                              KindBuild,
		"go install example.com/x@latest":         KindDeps,
		"apt-get install -y curl":                 KindSystem,
		"make":                                    KindBuild,
		"python3 -m pip install x":                KindDeps,
		"pdm sync":                                KindDeps,
	}
	for line, want := range tests {
		args := words(t, line)
		name := args[0].Lit()
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		tool := KindTool(name)
		require.NotNil(t, tool, line)
		sub, _ := Sub(args)
		require.Equal(t, want, tool.Command.Kind(args, sub), line)
	}
}

// The registry's choices never depend on its order: no two tools that
// classify commands, or recognise installs, share a program.
func TestRegistryUnambiguous(t *testing.T) {
	kinds, hoists := map[string]string{}, map[string]string{}
	for _, tool := range All() {
		for _, p := range tool.Progs {
			if tool.Command.classifies() {
				require.Empty(t, kinds[p], "%s and %s classify %s", kinds[p], tool.Name, p)
				kinds[p] = tool.Name
			}
			if tool.Hoist != nil {
				require.NotNil(t, tool.Hoist.Match, tool.Name)
				require.Empty(t, hoists[p], "%s and %s recognise %s", hoists[p], tool.Name, p)
				hoists[p] = tool.Name
			}
		}
	}
}

// Positionals is the start of ParseValues' Pos, for every tool's spec.
func TestPositionalsAgreeWithParseValues(t *testing.T) {
	lines := []string{"", "install", "-y install x", "--opt=v install -o Dir=x a b c d", "-f pom.xml goal", "-fpom.xml -- -y z",
		"-- a b c d", "+nightly build --release", "-", "-o -y x", "--no-cache -U add a b", "-r", "-c config run -s x", "-x=1 sub"}
	specs := []*Spec{{Valued: []string{"-f", "-o", "-c"}, Plus: true}}
	for _, tl := range All() {
		specs = append(specs, &tl.Command)
	}
	n := 0
	for _, s := range specs {
		for _, line := range lines {
			vals := append([]string{"prog"}, strings.Fields(line)...)
			for from := 0; from <= 1; from++ {
				pos := s.ParseValues(vals, from).Pos
				for max := 0; max <= 4; max++ {
					want := append([]int{}, pos[:min(max, len(pos))]...)
					require.Equal(t, want, s.Positionals(vals, from, max, []int{}), "%q from %d max %d", line, from, max)
					n++
				}
			}
		}
	}
	require.Greater(t, n, 1000)
}
