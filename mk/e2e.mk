# The end-to-end suite: real BuildKit builds of e2e/fixtures/ before and
# after dfopt's rewrites (issue 7). scripts/e2e/run.sh installs runc and
# debootstrap, builds buildkitd/buildctl from the BuildKit version in
# go.mod, makes the base images, starts buildkitd in the background and
# stops it at the end. Needs root. Writes e2e/MEASURED.md.
.PHONY: e2e
e2e:
	bash scripts/e2e/run.sh
