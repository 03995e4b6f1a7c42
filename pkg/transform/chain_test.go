package transform_test

// The chain registers the rules for every test of this package, internal
// ones included: they share one binary and one registry.
import _ "github.com/dfopt/dfopt/pkg/transform/chain"
