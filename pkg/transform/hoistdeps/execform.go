package hoistdeps

import "github.com/dfopt/dfopt/pkg/transform"

// execWhole reports whether an install in an exec-form RUN can be hoisted
// (reporting why not): dfopt reads such a RUN's commands but writes none
// of its text (ast.Script.ReadOnly), so the hoisted RUN is the RUN as
// written — when the install is all it runs, in its own folder, and is its
// own dependency-only form.
func (h *hoister) execWhole(x *hoisting) bool {
	sc := h.sh.Of(x.r)
	if sc == nil || sc.ReadOnly == "" {
		return true
	}
	why := ""
	switch {
	case len(x.steps) != 1:
		why = "it also runs other commands"
	case x.cdPrefix != "":
		why = "it would have to change to another folder"
	case (x.row == nil || x.stay != "") && !x.in.Same:
		why = "its dependency-only form is another command"
	default:
		x.body = string(h.d.Src[x.r.ArgsStart:x.r.Span.End])
		return true
	}
	h.finding(x.r, "not hoisted: "+why+", and dfopt does not rewrite the text of "+sc.ReadOnly+" (it hoists such a RUN only as written); "+transform.InsQuote(h.d, x.r)+" stays")
	return false
}
