package transform

import "github.com/dfopt/dfopt/pkg/knowledge/baseimage"

// Image references and the tags of official images are base-image facts:
// they are parsed in pkg/knowledge/baseimage. These names keep the rules'
// spelling.

// ImageRef is a parsed image reference: [REGISTRY/]PATH[:TAG][@DIGEST].
type ImageRef = baseimage.Ref

// ParseImageRef parses an image reference. Expansions of build arguments
// are accepted (Vars is set) but leave the parts they touch uncertain.
func ParseImageRef(s string) (ImageRef, error) { return baseimage.Parse(s) }

// TagInfo is what a tag of an official language image says about the image.
type TagInfo = baseimage.TagInfo

func ParseImageTag(tag string) TagInfo { return baseimage.ParseTag(tag) }

// MajorVersion is the leading number of a version ("17.0.9_9" → "17", "8u342" → "8").
func MajorVersion(v string) string {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	return v[:i]
}
