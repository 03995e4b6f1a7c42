package multistage

import "github.com/dfopt/dfopt/pkg/knowledge/baseimage"

// imageFamily is the distribution family of an image for familyPrograms:
// the table's answer, or the one msRuntimeOf reads in the tag; "" unknown.
func imageFamily(ref string) string {
	if d, ok := baseimage.DefaultsOf(ref); ok && d.Family != "" {
		return d.Family
	}
	switch f := msRuntimeOf(ref).Family; f {
	case "ubuntu":
		return "debian"
	case "distroless":
		return "none"
	default:
		return f
	}
}
