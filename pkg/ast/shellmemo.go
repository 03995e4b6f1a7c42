package ast

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"reflect"
	"slices"
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
var recentScripts = scriptMemo{index: map[uint64]int{}}

const (
	recentScriptsSize = 32      // entries kept
	recentScriptMax   = 1 << 14 // longest text kept, in bytes
)

type scriptMemo struct {
	mu    sync.Mutex
	index map[uint64]int // key's hash → slot
	slots [recentScriptsSize]scriptSlot
	next  int // the slot to fill next (the oldest)
}

// scriptKey is what an analysis is kept under; text is a part of its
// document's Src (never written).
type scriptKey struct {
	path  string
	esc   rune
	shell []string
	text  []byte
}

func (k scriptKey) equal(o scriptKey) bool {
	return k.path == o.path && k.esc == o.esc && slices.Equal(k.shell, o.shell) && bytes.Equal(k.text, o.text)
}

var scriptSeed = maphash.MakeSeed()

func (k scriptKey) hash() uint64 {
	var h maphash.Hash
	h.SetSeed(scriptSeed)
	h.WriteString(k.path)
	h.WriteByte(0)
	for _, s := range k.shell {
		h.WriteString(s)
		h.WriteByte(0)
	}
	h.WriteByte(byte(k.esc)) // `\` or a backquote: BuildKit takes no other
	h.Write(k.text)
	return h.Sum64()
}

type scriptSlot struct {
	key    scriptKey
	hash   uint64
	used   bool
	script *Script
	start  int // Span.Start of the instruction it was made for
}

// scriptKey is the memo's key for ins; false for an instruction the
// memo does not take.
func (d *Document) scriptKey(ins *Instruction) (scriptKey, bool) {
	text := d.Src[ins.Span.Start:ins.Next]
	if ins.Cmd != "run" || ins.JSON || ins.StartLine == 1 || len(text) > recentScriptMax {
		return scriptKey{}, false // no analysis (shell), or one the memo does not take
	}
	return scriptKey{path: d.Path, esc: d.Escape, shell: d.ShellOf(ins), text: text}, true
}

// shellOf is d.shell(ins), taken from recentScripts when the same text
// of the same file was analysed under the same shell and escape
// character.
func (d *Document) shellOf(ins *Instruction) *Script {
	key, ok := d.scriptKey(ins)
	if !ok {
		return d.shell(ins)
	}
	h := key.hash()
	if sc, ok := recentScripts.take(key, h, ins.Span.Start); ok {
		if CheckReparse {
			if want := d.shell(ins); !reflect.DeepEqual(scriptView(sc), scriptView(want)) {
				panic(fmt.Sprintf("ast: recent shell analysis, line %d: %+v, want %+v", ins.StartLine, scriptView(sc), scriptView(want)))
			}
		}
		return sc
	}
	sc := d.shell(ins)
	recentScripts.put(key, h, sc, ins.Span.Start)
	return sc
}

// take returns the analysis kept under key, moved to start.
func (m *scriptMemo) take(key scriptKey, h uint64, start int) (*Script, bool) {
	m.mu.Lock()
	i, ok := m.index[h]
	var s scriptSlot
	if ok {
		s = m.slots[i]
	}
	m.mu.Unlock()
	if !ok || !s.key.equal(key) {
		return nil, false
	}
	return s.script.moved(start - s.start), true
}

// put keeps an analysis, in place of the oldest.
func (m *scriptMemo) put(key scriptKey, h uint64, sc *Script, start int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.index[h]; ok {
		return // the same key, or one of the same hash: the first stays
	}
	old := &m.slots[m.next]
	if old.used {
		delete(m.index, old.hash)
	}
	*old = scriptSlot{key: key, hash: h, used: true, script: sc, start: start}
	m.index[h] = m.next
	m.next = (m.next + 1) % recentScriptsSize
}
