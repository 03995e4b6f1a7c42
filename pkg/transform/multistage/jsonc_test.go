package multistage

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnmarshalJSONC(t *testing.T) {
	var v struct {
		CompilerOptions struct {
			OutDir string `json:"outDir"`
		} `json:"compilerOptions"`
		Extends string `json:"extends"`
	}
	src := `{
  // the base config
  "extends": "./base.json", /* not a comment: "//" in strings stays */
  "compilerOptions": {
    "outDir": "dist//out", // trailing commas below
  },
}`
	require.NoError(t, unmarshalJSONC([]byte(src), &v))
	assert.Equal(t, "./base.json", v.Extends)
	assert.Equal(t, "dist//out", v.CompilerOptions.OutDir)
	assert.Error(t, unmarshalJSONC([]byte(`{"outDir": }`), &v))
}
