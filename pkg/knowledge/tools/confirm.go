package tools

import "strings"

// Confirm is how a system package manager asks for confirmation before it
// changes the system, and how a command line answers it in advance. A
// build has no terminal: a command that asks stops the build (apt-get,
// dnf and zypper read end-of-file and abort). apt-hygiene adds the answer
// where it is missing (hadolint DL3014, DL3030, DL3034, DL3038).
type Confirm struct {
	// Subs are the subcommands (the first positional word) that ask.
	Subs []string
	// Yes are the options that answer yes, anywhere on the line; an entry
	// ending in "=" matches an option with a value (--assumeyes=True).
	Yes []string
	// Short are the letters of Yes's short options, also found inside a
	// group of short options (-qy) before any option that takes a value.
	Short string
	// Config are the spellings of the setting that answers yes in a
	// configuration file or an option (apt's APT::Get::Assume-Yes, dnf's
	// assumeyes=True): an instruction of the stage that mentions one
	// leaves the line alone.
	Config []string
	// Answers reports further forms that keep the command from asking
	// (apt-get -qq, a simulation); the words after the program.
	Answers func(args []string) bool
	// Add is the option the fix inserts: after the subcommand, or, with
	// Global, after the program (an option of every subcommand).
	Add    string
	Global bool
}

// AnswersYes reports whether a command line of the tool, the words after
// the program (literal values), already answers the confirmation.
func (c *Confirm) AnswersYes(spec *Spec, args []string) bool {
	if c.Answers != nil && c.Answers(args) {
		return true
	}
	for _, a := range args {
		if a == "--" {
			return false
		}
		for _, y := range c.Yes {
			if a == y || strings.HasSuffix(y, "=") && strings.HasPrefix(a, y) {
				return true
			}
		}
		if c.Short != "" && shortGroupHas(spec, a, c.Short) {
			return true
		}
	}
	return false
}

// shortGroupHas reports a group of short options (-qy) with one of the
// letters before the first option that takes a value (whose value is the
// rest of the word).
func shortGroupHas(spec *Spec, a, letters string) bool {
	if len(a) < 2 || a[0] != '-' || a[1] == '-' {
		return false
	}
	for _, r := range a[1:] {
		if strings.ContainsRune(letters, r) {
			return true
		}
		if contains(spec.Valued, "-"+string(r)) {
			return false
		}
	}
	return false
}

// Asks reports whether the subcommand asks for confirmation.
func (c *Confirm) Asks(sub string) bool { return contains(c.Subs, sub) }
