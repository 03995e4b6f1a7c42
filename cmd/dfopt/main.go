// Command dfopt rewrites Dockerfiles so they build fast and cache well.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
