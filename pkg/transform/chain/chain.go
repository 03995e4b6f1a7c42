// Package chain lists dfopt's rules in the order the chain runs them and
// registers them: this file is the one place that order is written.
//
// Import it (for its side effect, or for Rules) wherever the registry
// (transform.All, transform.Lookup) must hold the rules.
package chain

import (
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/apthygiene"
	"github.com/dfopt/dfopt/pkg/transform/buildsecrets"
	"github.com/dfopt/dfopt/pkg/transform/cachemounts"
	"github.com/dfopt/dfopt/pkg/transform/copychmod"
	"github.com/dfopt/dfopt/pkg/transform/dockerignore"
	"github.com/dfopt/dfopt/pkg/transform/hoistdeps"
	"github.com/dfopt/dfopt/pkg/transform/mergeruns"
	"github.com/dfopt/dfopt/pkg/transform/multistage"
	"github.com/dfopt/dfopt/pkg/transform/reorder"
	"github.com/dfopt/dfopt/pkg/transform/syntaxheader"
)

// Rules are dfopt's rules in chain order: each one sees the text the
// rules before it wrote.
var Rules = []*transform.Transform{
	// Splits a stage that builds and runs into build and runtime stages
	// first: every later rule then works on the stages it made.
	multistage.Rule,
	// Before hoist-deps: the manifests hoist-deps copies are checked
	// against the ignore file here too.
	dockerignore.Rule,
	// Folds `RUN chmod` into the COPY before it, before the rules that
	// move and merge RUNs: they then see one step less, and a chmod
	// merged into another RUN would no longer lead it.
	copychmod.Rule,
	// Copies the manifests and installs the dependencies before the
	// sources are copied.
	hoistdeps.Rule,
	// Moves steps that do not read the copied files above the COPY.
	reorder.Rule,
	// After hoist-deps, whose manifest COPY may bring .npmrc along: the
	// credentials file then leaves that COPY and the hoisted install
	// reads it from a secret mount. Before merge-runs, so that a RUN it
	// empties is gone before RUNs are merged.
	buildsecrets.Rule,
	// apt-get update/install in one RUN, --no-install-recommends, lists
	// removed; before merge-runs, which then sees the RUNs it leaves.
	apthygiene.Rule,
	// Merges the consecutive RUNs the rules above left.
	mergeruns.Rule,
	// Adds cache mounts to the RUNs as they finally are.
	cachemounts.Rule,
	// Last: it looks at what the other rules wrote (RUN --mount, …).
	syntaxheader.Rule,
}

func init() { transform.Register(Rules...) }
