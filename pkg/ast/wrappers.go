package ast

import (
	"path"
	"strings"
)

// StripWrappers drops the wrappers in front of a command that run it as
// written: sudo (with its options), env (its assignments, -i and -u), and
// command, exec, nohup, time, eatmydata. An env that changes more than
// the environment (-C, -S) is not looked through.
func StripWrappers(args []Word) []Word {
	for len(args) > 0 {
		switch path.Base(args[0].Value) {
		case "sudo":
			args = args[1:]
			for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") {
				v := args[0].Value
				args = args[1:]
				if (v == "-u" || v == "-g" || v == "-C" || v == "-h" || v == "-p" || v == "-U") && len(args) > 0 {
					args = args[1:]
				}
			}
		case "env":
			rest, ok := stripEnv(args[1:])
			if !ok {
				return args
			}
			args = rest
		case "command", "exec", "nohup", "time", "eatmydata":
			args = args[1:]
		default:
			return args
		}
	}
	return args
}

// stripEnv drops env's assignments and the options that only change the
// environment; ok is false for any other option.
func stripEnv(args []Word) ([]Word, bool) {
	for len(args) > 0 {
		v := args[0].Value
		switch {
		case v == "-i" || v == "--ignore-environment" || v == "-":
			args = args[1:]
		case v == "-u" || v == "--unset":
			if len(args) < 2 {
				return nil, false
			}
			args = args[2:]
		case strings.HasPrefix(v, "--unset="):
			args = args[1:]
		case strings.HasPrefix(v, "-"):
			return nil, false
		case isAssignment(v):
			args = args[1:]
		default:
			return args, true
		}
	}
	return args, true
}

// isAssignment reports NAME=VALUE with a shell variable name.
func isAssignment(v string) bool {
	name, _, ok := strings.Cut(v, "=")
	if !ok || name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, r := range name {
		if r != '_' && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
