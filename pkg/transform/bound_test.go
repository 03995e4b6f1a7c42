package transform_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// TestWorkBound: a file over the per-file bound is refused with the rule
// that would have run first; one at the bound is processed.
func TestWorkBound(t *testing.T) {
	chain := defaultChain(t)
	over := "FROM alpine\n" + strings.Repeat("RUN true\n", transform.MaxInstructions)
	_, err := chain.Run("Dockerfile", []byte(over), nil)
	var tl *transform.TooLargeError
	require.True(t, errors.As(err, &tl), "%v", err)
	require.Equal(t, chain.Transforms[0].Name, tl.Rule)
	require.Contains(t, err.Error(), "too large for rule "+tl.Rule)

	ignored := "# dfopt:ignore-file=" + chain.Transforms[0].Name + "\n" + over
	_, err = chain.Run("Dockerfile", []byte(ignored), nil)
	require.True(t, errors.As(err, &tl))
	require.Equal(t, chain.Transforms[1].Name, tl.Rule, "a rule the file switches off is not the one named")

	at := "FROM alpine\n" + strings.Repeat("LABEL a=b\n", transform.MaxInstructions-1)
	_, err = chain.Run("Dockerfile", []byte(at), nil)
	require.NoError(t, err)
}
