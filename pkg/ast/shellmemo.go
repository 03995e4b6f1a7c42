package ast

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// recentScripts holds the shell analyses of the last RUNs analysed, for
// the documents of the same file that analyse the same RUN again (a
// rule's trial document, the document after an edit that parsed the RUN
// again, the check of an edit). The analysis is a function of the
// instruction's text, Src[Span.Start:Next], the escape character and the
// shell alone, the offsets aside (Reparse and TakeShell hand it on on the
// same grounds): the text is read by BuildKit's parser line by line, and
// the heredoc bodies and logical line the analysis reads are within it.
// An instruction on the first line is left out: there a byte order mark
// is not part of its text. The key holds the file's path too, so that an
// analysis serves the documents of its own file only, never another file
// with the same RUN.
var recentScripts = scriptMemo{index: map[string]int{}}

const (
	recentScriptsSize = 128     // entries kept
	recentScriptMax   = 1 << 14 // longest text kept, in bytes
)

type scriptMemo struct {
	mu    sync.Mutex
	index map[string]int // key → slot
	slots [recentScriptsSize]scriptSlot
	next  int // the slot to fill next (the oldest)
}

type scriptSlot struct {
	key    string
	script *Script
	start  int // Span.Start of the instruction it was made for
}

// scriptKey is the memo's key for ins, "" for an instruction the memo
// does not take.
func (d *Document) scriptKey(ins *Instruction) string {
	text := d.Src[ins.Span.Start:ins.Next]
	if ins.Cmd != "run" || ins.JSON || ins.StartLine == 1 || len(text) > recentScriptMax {
		return "" // no analysis (shell), or one the memo does not take
	}
	var b strings.Builder
	shell := d.ShellOf(ins)
	n := len(d.Path) + len(text) + 8
	for _, s := range shell {
		n += len(s) + 1
	}
	b.Grow(n)
	b.WriteString(d.Path)
	b.WriteByte(0)
	b.WriteRune(d.Escape)
	b.WriteByte(0)
	for _, s := range shell {
		b.WriteString(s)
		b.WriteByte(0)
	}
	b.Write(text)
	return b.String()
}

// shellOf is d.shell(ins), taken from recentScripts when the same text
// of the same file was analysed under the same shell and escape
// character.
func (d *Document) shellOf(ins *Instruction) *Script {
	key := d.scriptKey(ins)
	if key == "" {
		return d.shell(ins)
	}
	if sc, ok := recentScripts.take(key, ins.Span.Start); ok {
		if CheckReparse {
			if want := d.shell(ins); !reflect.DeepEqual(scriptView(sc), scriptView(want)) {
				panic(fmt.Sprintf("ast: recent shell analysis, line %d: %+v, want %+v", ins.StartLine, scriptView(sc), scriptView(want)))
			}
		}
		return sc
	}
	sc := d.shell(ins)
	recentScripts.put(key, sc, ins.Span.Start)
	return sc
}

// take returns the analysis kept under key, moved to start.
func (m *scriptMemo) take(key string, start int) (*Script, bool) {
	m.mu.Lock()
	i, ok := m.index[key]
	var s scriptSlot
	if ok {
		s = m.slots[i]
	}
	m.mu.Unlock()
	if !ok {
		return nil, false
	}
	return s.script.moved(start - s.start), true
}

// put keeps an analysis, in place of the oldest.
func (m *scriptMemo) put(key string, sc *Script, start int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.index[key]; ok {
		return
	}
	old := &m.slots[m.next]
	if old.key != "" {
		delete(m.index, old.key)
	}
	*old = scriptSlot{key: key, script: sc, start: start}
	m.index[key] = m.next
	m.next = (m.next + 1) % recentScriptsSize
}
