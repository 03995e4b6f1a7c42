package transform

// The internal tests run the rules that still live in this package;
// package chain registers them in dfopt itself.
func init() {
	Register(MultiStage, Dockerignore, HoistDeps, Reorder, AptHygiene, MergeRuns, CacheMounts, SyntaxHeader)
}
