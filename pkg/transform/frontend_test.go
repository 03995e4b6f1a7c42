package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFrontendKnows(t *testing.T) {
	cases := []struct {
		ref             string
		mount, ids, doc bool
		known           bool
	}{
		{"docker/dockerfile:1", true, true, true, true},
		{"docker/dockerfile:1.0", false, false, false, true},
		{"docker/dockerfile:1.1", false, false, false, true},
		{"docker/dockerfile:1.1.7", false, false, false, true},
		{"docker/dockerfile:1.2", true, true, false, true},
		{"docker/dockerfile:1.4", true, true, true, true},
		{"docker/dockerfile:1.3", true, true, false, true},
		{"docker/dockerfile:1.3-labs", true, true, true, true},
		{"docker/dockerfile:1.0-experimental", true, false, false, true},
		{"docker/dockerfile:1.0.0-experimental", true, false, false, true},
		{"docker/dockerfile:1.1.1-experimental", true, false, false, true},
		{"docker/dockerfile:1.1-experimental", true, true, false, true},
		{"docker/dockerfile:experimental", true, true, true, true},
		{"docker/dockerfile-upstream:master", true, true, true, true},
		{"docker.io/docker/dockerfile:1.4@sha256:abc", true, true, true, true},
		{"docker/dockerfile@sha256:abc", false, false, false, false},
		{"example.com/frontend:1", false, false, false, false},
		{"docker/dockerfile:vnext", false, false, false, false},
	}
	for _, c := range cases {
		fe := parseSyntaxRef(c.ref)
		m, ok := fe.Knows(FeatRunMount)
		ids, _ := fe.Knows(FeatCacheMountIDs)
		doc, _ := fe.Knows(FeatHeredoc)
		assert.Equal(t, c.known, ok, c.ref)
		assert.Equal(t, []bool{c.mount, c.ids, c.doc}, []bool{m, ids, doc}, c.ref)
	}
}
