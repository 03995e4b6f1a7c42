package stage

import (
	"path"
	"strings"
)

// Value is a resolved string: Val with ARG defaults applied; Expr, when
// the value depends on a build argument, is Dockerfile text (with
// `${NAME}` references to variables in scope) that BuildKit expands to the
// real value; otherwise Expr == Val.
type Value struct {
	Val  string
	Expr string
	Arg  bool
}

func Lit(s string) Value { return Value{Val: s, Expr: s} }

// Join appends a path suffix to a value.
func (v Value) Join(suffix string) Value {
	return Value{Val: path.Join(v.Val, suffix), Expr: joinExpr(v.Expr, suffix), Arg: v.Arg}
}

func joinExpr(expr, suffix string) string {
	if suffix == "" {
		return expr
	}
	return strings.TrimSuffix(expr, "/") + "/" + strings.TrimPrefix(suffix, "/")
}

// Var is one ENV or ARG variable in scope.
type Var struct {
	Name  string
	Value string // expanded, ARG defaults applied
	Arg   bool   // an ARG, or an ENV whose value uses one
	Set   bool   // has a value (an ARG without default has none)
	Line  int    // where it was set; 0 for a base image's documented default
	IsArg bool   // declared by ARG (not ENV)
}

// Account is a user dfopt knows of in a stage's /etc/passwd.
type Account struct {
	Name      string
	UID, GID  Value // Val "" when unknown
	Home      Value // Val "" when unknown
	HomeWhy   string
	CreatedAt int // line of the RUN that made it (0: base image)
}

// RunUser is the user a RUN executes as.
type RunUser struct {
	Name     string // USER as written (expanded); "" when the stage never sets USER
	Root     bool
	UID, GID Value  // "0" for root; Val "" when unknown
	Home     Value  // Val "" when unknown
	Why      string // why the identity is not fully known
}

// Known reports whether a cache under the user's home can be mounted: the
// home is known and, for a non-root user, the uid too.
func (id RunUser) Known() bool {
	return id.Home.Val != "" && (id.Root || id.UID.Val != "")
}

// ExprRefs lists the variable names an expression refers to.
func ExprRefs(expr string) []string {
	var out []string
	for i := 0; i < len(expr); i++ {
		if expr[i] != '$' {
			continue
		}
		j := i + 1
		brace := j < len(expr) && expr[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(expr) && (VarNameByte(expr[k]) || k > j && expr[k] >= '0' && expr[k] <= '9') {
			k++
		}
		if k > j {
			out = append(out, expr[j:k])
		}
		i = k - 1
	}
	return out
}

func VarNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// singleRef reports whether text is exactly one variable reference.
func singleRef(text string) (string, bool) {
	var name string
	switch {
	case strings.HasPrefix(text, "${") && strings.HasSuffix(text, "}"):
		name = text[2 : len(text)-1]
	case strings.HasPrefix(text, "$"):
		name = text[1:]
	default:
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if !VarNameByte(name[i]) {
			return "", false
		}
	}
	return name, name != ""
}

func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
