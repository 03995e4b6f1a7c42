package ast

import (
	"strings"
	"unicode"
)

// BuildKit's splitCommand hands the text after an instruction's keyword
// to extractBuilderFlags (split_command.go at the version in go.mod),
// which reads flag words up to the first word that does not start with
// "--", or a word "--". It reads bytes, each as a rune of its own: a
// blank is unicode.IsSpace of that rune (so a byte 0x85 or 0xA0 inside a
// UTF-8 sequence is one too), a quote groups up to the same quote, the
// escape character takes the next byte (in quotes, an escape at the end
// ends the quote), and each byte kept is written as that rune (a byte
// outside ASCII becomes two). The first parse's nodes (builderFlags) and
// the model's flag spans (scanFlags) both read flags here.

// flagBlank is a blank as extractBuilderFlags sees a byte.
func flagBlank(c byte) bool { return unicode.IsSpace(rune(c)) }

// skipFlagBlanks is the first byte of t from p on that is no flagBlank.
func skipFlagBlanks(t string, p int) int {
	for p < len(t) && flagBlank(t[p]) {
		p++
	}
	return p
}

// builderFlags is extractBuilderFlags of line: the text after the flags
// and the flag words.
func builderFlags(line string, esc byte) (rest string, words []string) {
	words = []string{}
	for pos := 0; ; {
		if pos = skipFlagBlanks(line, pos); pos == len(line) {
			return "", words
		}
		if !strings.HasPrefix(line[pos:], "--") {
			return line[pos:], words
		}
		word, end, stop := flagWord(line, pos, esc)
		if stop {
			return line[end:], words
		}
		words = append(words, word)
		pos = end
	}
}

// flagWord reads the flag word that starts at pos ("--" there): the word
// as extractBuilderFlags keeps it, where it ends (a blank outside quotes,
// or the end), and stop when it is "--", which ends the flags. (A word
// here is never empty, so extractBuilderFlags' test for an empty word
// that was quoted has nothing to decide.)
func flagWord(line string, pos int, esc byte) (word string, end int, stop bool) {
	var sb strings.Builder
	quote := byte(0)
	for ; pos < len(line); pos++ {
		ch := line[pos]
		switch {
		case quote == 0 && flagBlank(ch):
			return sb.String(), pos, sb.String() == "--"
		case quote == 0 && (ch == '\'' || ch == '"'):
			quote = ch
			continue
		case quote != 0 && ch == quote:
			quote = 0
			continue
		case ch == esc:
			if pos+1 == len(line) {
				continue // an escape at the end is dropped
			}
			pos++
			ch = line[pos]
		}
		sb.WriteRune(rune(ch))
	}
	return sb.String(), len(line), sb.String() == "--"
}
