package explain_test

import (
	"fmt"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/explain"
)

// The end-to-end suite compares a prediction with BuildKit's solve status:
// each vertex of the status stream whose name matches a predicted step
// must be cached exactly when the prediction says so (Uncertain steps may
// go either way; steps of stages that are not Built do not run at all).
func ExamplePredict() {
	src := `FROM node:20
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build
`
	doc, err := ast.Parse("Dockerfile", []byte(src))
	if err != nil {
		panic(err)
	}
	steps, err := explain.Predict(doc, nil, []string{"src/server.js"})
	if err != nil {
		panic(err)
	}
	for _, s := range steps {
		state := "re-runs"
		if s.Cached {
			state = "CACHED"
		}
		fmt.Printf("%-7s %s\n", state, s.Name)
	}
	fmt.Println(steps[4].Matches("[stage-0 5/6] COPY . ."))
	// Output:
	// CACHED  [stage-0 1/6] FROM docker.io/library/node:20
	// CACHED  [stage-0 2/6] WORKDIR /app
	// CACHED  [stage-0 3/6] COPY package.json package-lock.json ./
	// CACHED  [stage-0 4/6] RUN --mount=type=cache,target=/root/.npm npm ci
	// re-runs [stage-0 5/6] COPY . .
	// re-runs [stage-0 6/6] RUN npm run build
	// true
}
