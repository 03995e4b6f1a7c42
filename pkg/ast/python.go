package ast

import (
	"regexp"
	"strings"
)

// What dfopt reads of a Python script fed to a RUN as a heredoc: the
// commands it starts with plain literal calls, one a line —
//
//	subprocess.run(["pip", "install", "-r", "requirements.txt"], check=True)
//	subprocess.check_call([sys.executable, "-m", "pip", "install", "flask"])
//	os.system("pip install -r requirements.txt")
//
// Anything else that starts a program or changes the environment
// (another call, a variable argument, os.environ) makes the script
// unreadable: dfopt cannot tell what it runs.

var (
	pyListCall  = regexp.MustCompile(`^(?:\w+\s*=\s*)?subprocess\.(?:run|call|check_call|check_output)\(\s*\[([^\]]*)\]\s*((?:,\s*(?:check|text|capture_output)\s*=\s*(?:True|False)\s*)*)\)$`)
	pyShellCall = regexp.MustCompile(`^(?:\w+\s*=\s*)?(?:os\.system\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)|subprocess\.(?:run|call|check_call|check_output)\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*,\s*shell\s*=\s*True\s*((?:,\s*(?:check|text|capture_output)\s*=\s*(?:True|False)\s*)*)\))$`)
	pyStarts    = regexp.MustCompile(`\b(subprocess|os\.(system|popen|exec\w*|spawn\w*|posix_spawn\w*|environ|putenv|fork|chdir)|pip\.main|runpy|pty\.spawn|sh\.|plumbum|invoke|importlib|__import__|exec|eval|ctypes)\b`)
	pyImportAs  = regexp.MustCompile(`^(from\s+(subprocess|os|pip|runpy|pty|sh|plumbum|invoke|ctypes|importlib)\b|import\s.*\b(subprocess|os|pip|runpy|pty|sh|plumbum|invoke|ctypes|importlib)\s+as\b)`)
	pyString    = regexp.MustCompile(`^\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|sys\.executable)\s*$`)
)

// pythonReading reads a Python heredoc's commands; false when the script
// starts a program or changes its environment in a way dfopt cannot read.
func (d *Document) pythonReading(ins *Instruction, h Heredoc) (*Script, bool) {
	var lines []string
	for _, line := range strings.Split(h.Content, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			continue
		}
		if pyImportAs.MatchString(t) {
			return nil, false // its calls go by other names
		}
		if strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "from ") {
			continue // what a script imports starts nothing by itself
		}
		if cmd, ok := pythonCommand(t); ok {
			lines = append(lines, cmd)
			continue
		}
		if pyStarts.MatchString(t) {
			return nil, false
		}
	}
	sc := d.readOnly(ins, "a Python heredoc", strings.Join(lines, "\n"))
	return sc, sc != nil
}

// pythonCommand is the shell text of the command one line of Python
// starts, when the line is one of the plain calls pythonReading reads.
func pythonCommand(line string) (string, bool) {
	if m := pyListCall.FindStringSubmatch(line); m != nil {
		var argv []string
		for _, el := range strings.Split(m[1], ",") {
			if strings.TrimSpace(el) == "" {
				continue // a trailing comma
			}
			s := pyString.FindStringSubmatch(el)
			if s == nil {
				return "", false
			}
			if s[1] == "sys.executable" {
				argv = append(argv, "python3")
				continue
			}
			v, ok := pyLiteral(s[1])
			if !ok {
				return "", false
			}
			argv = append(argv, v)
		}
		return quoteArgv(argv), len(argv) > 0
	}
	if m := pyShellCall.FindStringSubmatch(line); m != nil {
		lit := m[1] + m[2]
		return pyLiteral(lit)
	}
	return "", false
}

// pyLiteral is the value of a Python string literal without prefixes; false
// for escapes other than \\ and the quotes.
func pyLiteral(lit string) (string, bool) {
	if len(lit) < 2 {
		return "", false
	}
	body := lit[1 : len(lit)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\\' {
			if i+1 >= len(body) || !strings.ContainsRune(`\\"'`, rune(body[i+1])) {
				return "", false
			}
			i++
		}
		b.WriteByte(body[i])
	}
	return b.String(), true
}
