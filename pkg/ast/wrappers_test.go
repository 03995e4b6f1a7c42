package ast

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStripWrappers(t *testing.T) {
	words := func(s string) []Word {
		var out []Word
		for _, f := range strings.Fields(s) {
			out = append(out, Word{Value: f, Lit: true})
		}
		return out
	}
	for in, want := range map[string]string{
		"apt-get install x":                       "apt-get install x",
		"sudo -u app -E pip install x":            "pip install x",
		"env A=1 B=2 npm ci":                      "npm ci",
		"env -i -u HOME PATH=/bin apt-get update": "apt-get update",
		"env -C /tmp make":                        "env -C /tmp make",
		"env 1A=x make":                           "1A=x make", // env runs the word as a program
		"nohup time eatmydata dnf install x":      "dnf install x",
	} {
		var got []string
		for _, w := range StripWrappers(words(in)) {
			got = append(got, w.Value)
		}
		assert.Equal(t, want, strings.Join(got, " "), in)
	}
}
