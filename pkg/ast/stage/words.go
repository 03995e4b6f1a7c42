package stage

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

func (e *State) WordValue(w ast.Word) (Value, bool) {
	if w.Lit {
		return Lit(w.Value), true
	}
	return e.ShellValue(w.Value)
}

func (e *State) ShellValue(text string) (Value, bool) {
	var val, expr strings.Builder
	arg := false
	quote := byte(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
				continue
			}
		case c == '\'' && quote == 0:
			quote = '\''
			continue
		case c == '"':
			if quote == '"' {
				quote = 0
			} else {
				quote = '"'
			}
			continue
		case c == '\\' && i+1 < len(text):
			i++
			c = text[i]
		case c == '$':
			j := i + 1
			brace := j < len(text) && text[j] == '{'
			if brace {
				j++
			}
			k := j
			for k < len(text) && VarNameByte(text[k]) {
				k++
			}
			if k == j || brace && (k >= len(text) || text[k] != '}') {
				return Value{}, false
			}
			name := text[j:k]
			if brace {
				k++
			}
			v, ok := e.Vars[name]
			if !ok || !v.Set {
				return Value{}, false
			}
			val.WriteString(v.Value)
			if v.Arg {
				arg = true
				expr.WriteString("${" + name + "}")
			} else {
				expr.WriteString(v.Value)
			}
			i = k - 1
			continue
		case c == '`' || c == '*' || c == '?' || c == '[' || c == '~' && i == 0:
			return Value{}, false
		}
		val.WriteByte(c)
		expr.WriteByte(c)
	}
	if quote != 0 {
		return Value{}, false
	}
	if !arg {
		return Lit(val.String()), true
	}
	return Value{Val: val.String(), Expr: expr.String(), Arg: true}, true
}

// getopt splits arguments into options and positionals. short lists the
// short options that take a value, long the long ones.
type optParse struct {
	opts map[string]Value
	set  map[string]bool
	pos  []Value
	ok   bool
}

func (e *State) getopt(args []ast.Word, short string, long map[string]string, flags map[string]string) optParse {
	p := optParse{opts: map[string]Value{}, set: map[string]bool{}, ok: true}
	for i := 0; i < len(args); i++ {
		w := args[i].Value
		switch {
		case w == "--":
			for _, a := range args[i+1:] {
				v, ok := e.WordValue(a)
				if !ok {
					p.ok = false
				}
				p.pos = append(p.pos, v)
			}
			return p
		case strings.HasPrefix(w, "--"):
			name, val, hasVal := strings.Cut(w[2:], "=")
			if key, ok := long[name]; ok {
				if !hasVal {
					if i+1 >= len(args) {
						p.ok = false
						return p
					}
					i++
					v, ok := e.WordValue(args[i])
					if !ok {
						p.opts[key] = Value{}
						continue
					}
					p.opts[key] = v
					continue
				}
				v, ok := e.ShellValue(val)
				if !ok {
					v = Value{}
				}
				p.opts[key] = v
			} else if key, ok := flags[name]; ok {
				p.set[key] = true
			}
		case strings.HasPrefix(w, "-") && len(w) > 1:
			for j := 1; j < len(w); j++ {
				ch := w[j]
				if strings.IndexByte(short, ch) >= 0 {
					key := string(ch)
					if j+1 < len(w) {
						v, ok := e.ShellValue(w[j+1:])
						if !ok {
							v = Value{}
						}
						p.opts[key] = v
					} else if i+1 < len(args) {
						i++
						v, ok := e.WordValue(args[i])
						if !ok {
							v = Value{}
						}
						p.opts[key] = v
					} else {
						p.ok = false
					}
					break
				}
				p.set[string(ch)] = true
			}
		default:
			v, ok := e.WordValue(args[i])
			if !ok {
				p.ok = false
			}
			p.pos = append(p.pos, v)
		}
	}
	return p
}
