package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// MaxDepth is the deepest nesting the codec accepts: open MARKs in the pickle
// stream (Check), containers in the decoded value, and containers in a value
// being encoded. CPython writes one MARK per non-empty container level, so
// this is the container depth of a value Python pickled. 512 is far beyond
// any cache value and keeps every recursion over the value shallow.
const MaxDepth = 512

// MaxIntDigits bounds the text of a protocol 0 INT/LONG opcode. It is
// Python's own default limit for int↔str conversion (sys.int_info.
// default_max_str_digits), which Python's unpickler enforces for these opcodes.
const MaxIntDigits = 4300

// MaxLongBytes bounds the payload of the binary LONG1/LONG4 opcodes (2048
// bytes is an integer of about 4900 decimal digits, more than MaxIntDigits).
// gopickle decodes these in quadratic time, so the bound keeps a hostile
// pickle from burning CPU.
const MaxLongBytes = 2048

// argument layouts of the opcodes.
const (
	argNone     = iota
	argFixed    // n bytes
	argLine     // one '\n'-terminated line
	argTwoLines // GLOBAL, INST: module and name lines
	argLen1     // 1-byte length + payload
	argLen4     // 4-byte unsigned LE length + payload
	argLen4S    // 4-byte signed LE length + payload (negative is an error)
	argLen8     // 8-byte LE length + payload
)

type opInfo struct {
	name   string
	arg    int
	n      int  // argFixed: argument size
	proto  int  // protocol that introduced the opcode
	mark   int8 // +1 pushes a MARK, -1 consumes the topmost MARK
	reject bool // known but never supported here (needs hooks gopickle lacks)
}

var opcodes [256]*opInfo

func def(code byte, name string, proto, arg, n int, mark int8) {
	opcodes[code] = &opInfo{name: name, arg: arg, n: n, proto: proto, mark: mark}
}

func init() {
	// Protocol 0 and 1.
	def('(', "MARK", 0, argNone, 0, +1)
	def('.', "STOP", 0, argNone, 0, 0)
	def('0', "POP", 0, argNone, 0, 0)
	def('1', "POP_MARK", 1, argNone, 0, -1)
	def('2', "DUP", 0, argNone, 0, 0)
	def('F', "FLOAT", 0, argLine, 0, 0)
	def('I', "INT", 0, argLine, 0, 0)
	def('J', "BININT", 1, argFixed, 4, 0)
	def('K', "BININT1", 1, argFixed, 1, 0)
	def('L', "LONG", 0, argLine, 0, 0)
	def('M', "BININT2", 1, argFixed, 2, 0)
	def('N', "NONE", 0, argNone, 0, 0)
	def('P', "PERSID", 0, argLine, 0, 0)
	def('Q', "BINPERSID", 1, argNone, 0, 0)
	def('R', "REDUCE", 0, argNone, 0, 0)
	def('S', "STRING", 0, argLine, 0, 0)
	def('T', "BINSTRING", 1, argLen4S, 0, 0)
	def('U', "SHORT_BINSTRING", 1, argLen1, 0, 0)
	def('V', "UNICODE", 0, argLine, 0, 0)
	def('X', "BINUNICODE", 1, argLen4, 0, 0)
	def('a', "APPEND", 0, argNone, 0, 0)
	def('b', "BUILD", 0, argNone, 0, 0)
	def('c', "GLOBAL", 0, argTwoLines, 0, 0)
	def('d', "DICT", 0, argNone, 0, -1)
	def('}', "EMPTY_DICT", 1, argNone, 0, 0)
	def('e', "APPENDS", 1, argNone, 0, -1)
	def('g', "GET", 0, argLine, 0, 0)
	def('h', "BINGET", 1, argFixed, 1, 0)
	def('i', "INST", 0, argTwoLines, 0, -1)
	def('j', "LONG_BINGET", 1, argFixed, 4, 0)
	def('l', "LIST", 0, argNone, 0, -1)
	def(']', "EMPTY_LIST", 1, argNone, 0, 0)
	def('o', "OBJ", 1, argNone, 0, -1)
	def('p', "PUT", 0, argLine, 0, 0)
	def('q', "BINPUT", 1, argFixed, 1, 0)
	def('r', "LONG_BINPUT", 1, argFixed, 4, 0)
	def('s', "SETITEM", 0, argNone, 0, 0)
	def('t', "TUPLE", 0, argNone, 0, -1)
	def(')', "EMPTY_TUPLE", 1, argNone, 0, 0)
	def('u', "SETITEMS", 1, argNone, 0, -1)
	def('G', "BINFLOAT", 1, argFixed, 8, 0)
	// Protocol 2.
	def(0x80, "PROTO", 2, argFixed, 1, 0)
	def(0x81, "NEWOBJ", 2, argNone, 0, 0)
	def(0x82, "EXT1", 2, argFixed, 1, 0)
	def(0x83, "EXT2", 2, argFixed, 2, 0)
	def(0x84, "EXT4", 2, argFixed, 4, 0)
	def(0x85, "TUPLE1", 2, argNone, 0, 0)
	def(0x86, "TUPLE2", 2, argNone, 0, 0)
	def(0x87, "TUPLE3", 2, argNone, 0, 0)
	def(0x88, "NEWTRUE", 2, argNone, 0, 0)
	def(0x89, "NEWFALSE", 2, argNone, 0, 0)
	def(0x8a, "LONG1", 2, argLen1, 0, 0)
	def(0x8b, "LONG4", 2, argLen4S, 0, 0)
	// Protocol 3.
	def('B', "BINBYTES", 3, argLen4, 0, 0)
	def('C', "SHORT_BINBYTES", 3, argLen1, 0, 0)
	// Protocol 4.
	def(0x8c, "SHORT_BINUNICODE", 4, argLen1, 0, 0)
	def(0x8d, "BINUNICODE8", 4, argLen8, 0, 0)
	def(0x8e, "BINBYTES8", 4, argLen8, 0, 0)
	def(0x8f, "EMPTY_SET", 4, argNone, 0, 0)
	def(0x90, "ADDITEMS", 4, argNone, 0, -1)
	def(0x91, "FROZENSET", 4, argNone, 0, -1)
	def(0x92, "NEWOBJ_EX", 4, argNone, 0, 0)
	def(0x93, "STACK_GLOBAL", 4, argNone, 0, 0)
	def(0x94, "MEMOIZE", 4, argNone, 0, 0)
	def(0x95, "FRAME", 4, argFixed, 8, 0)
	// Protocol 5.
	def(0x96, "BYTEARRAY8", 5, argLen8, 0, 0)
	def(0x97, "NEXT_BUFFER", 5, argNone, 0, 0)
	def(0x98, "READONLY_BUFFER", 5, argNone, 0, 0)

	// Persistent IDs, the extension registry and out-of-band buffers need
	// hooks that a cache value never uses.
	for _, c := range []byte{'P', 'Q', 0x82, 0x83, 0x84, 0x97} {
		opcodes[c].reject = true
	}
}

// Check validates the structure of a pickle without decoding it and without
// allocating anything proportional to a declared length. It runs before the
// bytes reach gopickle, which would otherwise allocate whatever a length
// field declares (a 12-byte pickle declaring a 4 GiB bytes object kills the
// process with a fatal out-of-memory). It checks:
//
//   - every opcode is known (protocols 0–5) and PROTO is at most 5; opcodes
//     needing persistent-ID, extension-registry or out-of-band-buffer hooks
//     are rejected;
//   - every declared length is at most the number of bytes that remain, and
//     every text argument ends with '\n' before the input does;
//   - FRAME lengths fit in the input, frames do not nest, and no opcode
//     straddles the end of a frame;
//   - MARK nesting is at most maxDepth (MaxDepth when maxDepth <= 0), and
//     opcodes that consume a MARK have one;
//   - the stack never underflows, and memo reads (GET, BINGET, LONG_BINGET)
//     name a slot already written (gopickle would silently push None);
//   - integers stay within MaxIntDigits / MaxLongBytes;
//   - protocol 0 STRING and UNICODE arguments carry no escape sequences and
//     UNICODE no raw non-ASCII bytes (gopickle does not unescape them, so
//     they would decode to the wrong text);
//   - GLOBAL, INST and STACK_GLOBAL name an allowed class (STACK_GLOBAL's
//     module and name must be string constants of the stream);
//   - what gopickle will allocate running the stream (per opcode: its stack
//     slots, MARK's fresh stack, empty containers, memo entries, copies of
//     payloads, hashing of set members) stays within the decoding budget
//     (see DecodeLimit);
//   - the stream ends with exactly one STOP and no trailing bytes.
//
// It is a validator, not a second unpickler: it tracks the kinds and sizes
// of the stack's items (to screen STACK_GLOBAL and to price set insertions),
// never their values.
func Check(data []byte, maxDepth int) error {
	_, err := check(data, maxDepth, DecodeLimit(len(data)))
	return err
}

// DecodeLimit is what decoding an n-byte pickle may allocate in all (Check's
// estimate of gopickle's work, then the allow-listed constructors, the
// conversion and the assignment into the destination): the promise of the
// codec package (64·n + 1 MiB) less the reply and the result's copy around a
// cache Get.
func DecodeLimit(n int) int64 { return 60*int64(n) + 896<<10 }

// ErrBudget is wrapped by the error of a pickle whose decoding would
// allocate (or work) more than DecodeLimit allows.
var ErrBudget = pyval.ErrBudget

// budget is what one decoding may still allocate, shared by Check, the
// allow-listed constructors, the converter and the assignment.
type budget struct{ left int64 }

func (b *budget) charge(n int64, what string) error {
	b.left -= n
	if b.left < 0 {
		return fmt.Errorf("pickle: %w: %s", ErrBudget, what)
	}
	return nil
}

// Item kinds of the abstract stack.
const (
	kOther = iota
	kStr   // a str constant: off/n locate its text (when it came from a counted opcode)
	kBytes
	kClass
)

type item struct {
	kind uint8
	off  int32 // kStr: the text is data[off:off+n]; off < 0 when unknown
	n    int32 // kStr, kBytes: payload bytes (the cost of hashing it)
}

// Static costs of gopickle v0.2.0's opcodes, in bytes: upper bounds of
// pickle.go's allocations, measured (the budget tests hold them to it).
// Appending to a large Go slice grows it by 1.25×, so the allocations of n
// appends add up to about 5× the final array: a 16-byte slot costs 80.
const (
	costBase      = 24 << 10 // NewUnpickler's memo map, first stacks
	costSlot      = 48       // a new high-water slot of a gopickle stack (16 bytes, doubling)
	costBigSlot   = 80       // the same beyond 1024 slots (growing by 1.25×)
	costOurSlot   = 64       // a new high-water slot of check's own stack (12 bytes)
	costMark      = 304      // make([]interface{}, 0, 16) + the meta stack slot
	costMemo      = 80 + 24  // a new memo entry: gopickle's map with its growth, and ours (chunked)
	costBoxed     = 8        // an int or float boxed in an interface
	costEmptyList = 96
	costEmptyDict = 160
	costEmptySet  = 320
	costSmallObj  = 80 // tuple headers, class wrappers
	costPerItem   = 88 // a list or dict slot (16 bytes) appended, with growth
	costSetItem   = 64 // a set member: map slot with growth
)

// check is Check returning the budget left for the rest of the decoding.
func check(data []byte, maxDepth int, limit int64) (*budget, error) {
	if maxDepth <= 0 {
		maxDepth = MaxDepth
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("pickle: empty input")
	}
	if len(data) > math.MaxInt32 {
		return nil, fmt.Errorf("pickle: input of %d bytes is too large", len(data))
	}
	b := &budget{left: limit}
	c := checker{data: data, b: b}
	if err := b.charge(costBase, "unpickler"); err != nil {
		return nil, err
	}
	var (
		pos      int
		frameEnd = -1 // end of the current frame, -1 when not in a frame
	)
	for pos < len(data) {
		start := pos
		if frameEnd >= 0 && pos >= frameEnd {
			frameEnd = -1
		}
		limit := len(data) // how far this opcode's arguments may reach
		if frameEnd >= 0 {
			limit = frameEnd
		}
		code := data[pos]
		op := opcodes[code]
		if op == nil {
			return nil, fmt.Errorf("pickle: unknown opcode 0x%02x at offset %d", code, start)
		}
		if op.reject {
			return nil, fmt.Errorf("pickle: opcode %s at offset %d is not supported", op.name, start)
		}
		c.op, c.start = op, start
		pos++
		need := func(n uint64) error {
			if n > uint64(limit-pos) {
				if frameEnd >= 0 && n <= uint64(len(data)-pos) {
					return fmt.Errorf("pickle: %s at offset %d crosses the end of its frame", op.name, start)
				}
				return fmt.Errorf("pickle: %s at offset %d declares %d bytes but only %d remain", op.name, start, n, limit-pos)
			}
			return nil
		}
		line := func() ([]byte, int, error) {
			i := bytes.IndexByte(data[pos:limit], '\n')
			if i < 0 {
				return nil, 0, fmt.Errorf("pickle: %s at offset %d: argument line is not terminated", op.name, start)
			}
			l, off := data[pos:pos+i], pos
			pos += i + 1
			return l, off, nil
		}
		var payload, payloadOff int // counted opcodes: the payload
		switch op.arg {
		case argFixed:
			if err := need(uint64(op.n)); err != nil {
				return nil, err
			}
			arg := data[pos : pos+op.n]
			pos += op.n
			switch code {
			case 0x80: // PROTO
				if arg[0] > 5 {
					return nil, fmt.Errorf("pickle: unsupported protocol %d", arg[0])
				}
			case 0x95: // FRAME
				if frameEnd >= 0 && start < frameEnd {
					return nil, fmt.Errorf("pickle: FRAME at offset %d inside another frame", start)
				}
				n := binary.LittleEndian.Uint64(arg)
				if n > uint64(len(data)-pos) {
					return nil, fmt.Errorf("pickle: FRAME at offset %d declares %d bytes but only %d remain", start, n, len(data)-pos)
				}
				frameEnd = pos + int(n)
				if err := b.charge(int64(n)+64, "FRAME"); err != nil {
					return nil, err
				}
			}
		case argLine:
			l, off, err := line()
			if err != nil {
				return nil, err
			}
			if err := c.line(code, l, off); err != nil {
				return nil, fmt.Errorf("pickle: %s at offset %d: %w", op.name, start, err)
			}
		case argTwoLines:
			module, _, err := line()
			if err != nil {
				return nil, err
			}
			name, _, err := line()
			if err != nil {
				return nil, err
			}
			if !allowedGlobalText(string(module), string(name)) {
				return nil, &NotAllowedError{Module: string(module), Name: string(name)}
			}
			if err := b.charge(3*int64(len(module)+len(name))+2*64+costSmallObj, op.name); err != nil {
				return nil, err
			}
		case argLen1, argLen4, argLen4S, argLen8:
			size := 4
			switch op.arg {
			case argLen1:
				size = 1
			case argLen8:
				size = 8
			}
			if err := need(uint64(size)); err != nil {
				return nil, err
			}
			var n uint64
			switch op.arg {
			case argLen1:
				n = uint64(data[pos])
			case argLen4:
				n = uint64(binary.LittleEndian.Uint32(data[pos:]))
			case argLen4S:
				s := int32(binary.LittleEndian.Uint32(data[pos:]))
				if s < 0 {
					return nil, fmt.Errorf("pickle: %s at offset %d has a negative length", op.name, start)
				}
				n = uint64(s)
			case argLen8:
				n = binary.LittleEndian.Uint64(data[pos:])
			}
			pos += size
			if code == 0x8a || code == 0x8b { // LONG1, LONG4
				if n == 0 {
					return nil, fmt.Errorf("pickle: %s at offset %d has an empty payload", op.name, start)
				}
				if n > MaxLongBytes {
					return nil, fmt.Errorf("pickle: %s at offset %d: integer of %d bytes exceeds the limit of %d", op.name, start, n, MaxLongBytes)
				}
			}
			if err := need(n); err != nil {
				return nil, err
			}
			payload, payloadOff = int(n), pos
			pos += int(n)
		}
		if op.mark == +1 && len(c.marks)+1 > maxDepth {
			return nil, fmt.Errorf("pickle: nesting deeper than %d at offset %d", maxDepth, start)
		}
		if err := c.step(code, data[start+1:pos], payload, payloadOff); err != nil {
			return nil, err
		}
		if code == '.' {
			if pos != len(data) {
				return nil, fmt.Errorf("pickle: %d trailing bytes after STOP at offset %d", len(data)-pos, start)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("pickle: truncated input (no STOP)")
}

// checker is the abstract stack machine of check.
type checker struct {
	data  []byte
	b     *budget
	op    *opInfo
	start int
	stack []item
	marks []mark
	hw    int // the current level's high-water mark (its capacity in gopickle)
	ghw   int // the high-water mark of check's own stack
	memo  memo
}

// mark is an open MARK: the stack height at it, and the high-water mark of
// the level it suspended.
type mark struct{ height, hw int }

// memo is the abstract memo: dense for the indexes MEMOIZE and the usual
// PUTs write (0, 1, 2, ...; in chunks, so growing it copies nothing), a map
// for the others.
type memo struct {
	chunks [][]item
	n      int // dense entries
	sparse map[uint64]item
}

const memoChunk = 1024

func (m *memo) len() int { return m.n + len(m.sparse) }

func (m *memo) get(i uint64) (item, bool) {
	if i < uint64(m.n) {
		return m.chunks[i/memoChunk][i%memoChunk], true
	}
	it, ok := m.sparse[i]
	return it, ok
}

// put stores it at i and reports whether the slot is new.
func (m *memo) put(i uint64, it item) bool {
	switch {
	case i < uint64(m.n):
		m.chunks[i/memoChunk][i%memoChunk] = it
		return false
	case i == uint64(m.n) && len(m.sparse) == 0:
		if m.n%memoChunk == 0 {
			m.chunks = append(m.chunks, make([]item, memoChunk)) // charged per entry: 12 of costMemo's bytes
		}
		m.chunks[m.n/memoChunk][m.n%memoChunk] = it
		m.n++
		return true
	}
	if m.sparse == nil {
		m.sparse = map[uint64]item{}
	}
	_, had := m.sparse[i]
	m.sparse[i] = it
	return !had
}

func (c *checker) fail(format string, args ...any) error {
	return fmt.Errorf("pickle: %s at offset %d: %s", c.op.name, c.start, fmt.Sprintf(format, args...))
}

func (c *checker) charge(n int64) error { return c.b.charge(n, c.op.name) }

func (c *checker) base() int {
	if len(c.marks) == 0 {
		return 0
	}
	return c.marks[len(c.marks)-1].height
}

// push charges a slot only above the level's high-water mark: below it,
// gopickle reuses its stack's capacity.
func (c *checker) push(it item) error {
	c.stack = append(c.stack, it)
	var cost int64
	if len(c.stack) > c.ghw {
		c.ghw = len(c.stack)
		cost += costOurSlot
	}
	if n := len(c.stack) - c.base(); n > c.hw {
		c.hw = n
		if n > 1024 {
			cost += costBigSlot
		} else {
			cost += costSlot
		}
	}
	if cost == 0 {
		return nil
	}
	return c.charge(cost)
}

func (c *checker) pop(n int) ([]item, error) {
	if len(c.stack)-c.base() < n {
		return nil, c.fail("stack underflow")
	}
	out := c.stack[len(c.stack)-n:]
	c.stack = c.stack[:len(c.stack)-n]
	return out, nil
}

func (c *checker) popMark() ([]item, error) {
	if len(c.marks) == 0 {
		return nil, c.fail("no MARK")
	}
	m := c.marks[len(c.marks)-1]
	c.marks = c.marks[:len(c.marks)-1]
	items := c.stack[m.height:]
	c.stack = c.stack[:m.height]
	c.hw = m.hw
	return items, nil
}

// hashCost is the work of putting items into a Go map (a gopickle set).
func hashCost(items []item) int64 {
	var n int64
	for _, it := range items {
		n += costSetItem + int64(it.n)
	}
	return n
}

func memoIndex(arg []byte) uint64 {
	if len(arg) == 1 {
		return uint64(arg[0])
	}
	return uint64(binary.LittleEndian.Uint32(arg))
}

// step applies one opcode (arg: its argument bytes; payload/off: the
// counted payload) to the abstract stack and charges its cost.
func (c *checker) step(code byte, arg []byte, payload, off int) error {
	other := item{kind: kOther}
	switch code {
	case '(': // MARK: gopickle starts a fresh stack of capacity 16
		c.marks = append(c.marks, mark{len(c.stack), c.hw})
		c.hw = 16
		return c.charge(costMark)
	case '.': // STOP
		_, err := c.pop(1)
		return err
	case '0': // POP: gopickle pops the MARK when the current stack is empty
		if len(c.stack) == c.base() {
			_, err := c.popMark()
			return err
		}
		_, err := c.pop(1)
		return err
	case '1': // POP_MARK
		_, err := c.popMark()
		return err
	case '2': // DUP
		if len(c.stack) == c.base() {
			return c.fail("stack underflow")
		}
		return c.push(c.stack[len(c.stack)-1])
	case 'J', 'M', 'G': // BININT, BININT2, BINFLOAT
		if err := c.charge(costBoxed + int64(len(arg))); err != nil {
			return err
		}
		return c.push(other)
	case 'K', 'N', 0x88, 0x89: // BININT1, NONE, NEWTRUE, NEWFALSE
		return c.push(other)
	case 0x8a, 0x8b: // LONG1, LONG4: decodeLong allocates per byte
		if err := c.charge(64*int64(payload) + 128); err != nil {
			return err
		}
		return c.push(other)
	case 'T', 'U', 'X', 0x8c, 0x8d: // BINSTRING, SHORT_BINSTRING, BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
		if err := c.charge(2*int64(payload) + 64); err != nil { // read buffer + string copy
			return err
		}
		return c.push(item{kind: kStr, off: int32(off), n: int32(payload)})
	case 'B', 'C', 0x8e, 0x96: // BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8
		if err := c.charge(int64(payload) + 64); err != nil {
			return err
		}
		return c.push(item{kind: kBytes, n: int32(payload)})
	case 'R': // REDUCE: the callable charges its own work
		if _, err := c.pop(2); err != nil {
			return err
		}
		if err := c.charge(costSmallObj); err != nil {
			return err
		}
		return c.push(other)
	case 'b': // BUILD
		if _, err := c.pop(1); err != nil {
			return err
		}
		if len(c.stack) == c.base() {
			return c.fail("stack underflow")
		}
		return c.charge(costSmallObj)
	case 0x81: // NEWOBJ
		if _, err := c.pop(2); err != nil {
			return err
		}
		if err := c.charge(costSmallObj); err != nil {
			return err
		}
		return c.push(other)
	case 0x92: // NEWOBJ_EX
		if _, err := c.pop(3); err != nil {
			return err
		}
		if err := c.charge(costSmallObj + 64); err != nil {
			return err
		}
		return c.push(other)
	case 'c': // GLOBAL (screened by check)
		return c.push(item{kind: kClass})
	case 0x93: // STACK_GLOBAL
		names, err := c.pop(2)
		if err != nil {
			return err
		}
		if names[0].kind != kStr || names[1].kind != kStr || names[0].off < 0 || names[1].off < 0 {
			return c.fail("module and name must be string constants")
		}
		module := string(c.data[names[0].off : names[0].off+names[0].n])
		name := string(c.data[names[1].off : names[1].off+names[1].n])
		if !allowedGlobalText(module, name) {
			return &NotAllowedError{Module: module, Name: name}
		}
		if err := c.charge(costSmallObj); err != nil {
			return err
		}
		return c.push(item{kind: kClass})
	case 'i': // INST (name screened by check)
		if _, err := c.popMark(); err != nil {
			return err
		}
		return c.push(other)
	case 'o': // OBJ
		items, err := c.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return c.fail("no class")
		}
		if err := c.charge(costSmallObj); err != nil {
			return err
		}
		return c.push(other)
	case 'a': // APPEND
		if _, err := c.pop(2); err != nil {
			return err
		}
		if err := c.charge(costPerItem); err != nil {
			return err
		}
		return c.push(other)
	case 'e': // APPENDS
		items, err := c.popMark()
		if err != nil {
			return err
		}
		if _, err := c.pop(1); err != nil {
			return err
		}
		if err := c.charge(costPerItem * int64(len(items))); err != nil {
			return err
		}
		return c.push(other)
	case 's': // SETITEM
		if _, err := c.pop(2); err != nil {
			return err
		}
		if len(c.stack) == c.base() {
			return c.fail("stack underflow")
		}
		return c.charge(2 * costPerItem) // a 32-byte dict entry
	case 'u': // SETITEMS
		items, err := c.popMark()
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return c.fail("odd number of items")
		}
		if _, err := c.pop(1); err != nil {
			return err
		}
		if err := c.charge(costPerItem * int64(len(items))); err != nil {
			return err
		}
		return c.push(other)
	case 0x90: // ADDITEMS
		items, err := c.popMark()
		if err != nil {
			return err
		}
		if err := c.charge(hashCost(items)); err != nil {
			return err
		}
		if _, err := c.pop(1); err != nil {
			return err
		}
		return c.push(other)
	case 0x91: // FROZENSET
		items, err := c.popMark()
		if err != nil {
			return err
		}
		if err := c.charge(costEmptySet + hashCost(items)); err != nil {
			return err
		}
		return c.push(other)
	case 'd': // DICT
		items, err := c.popMark()
		if err != nil {
			return err
		}
		if len(items)%2 != 0 {
			return c.fail("odd number of items")
		}
		if err := c.charge(costEmptyDict + costPerItem*int64(len(items))); err != nil {
			return err
		}
		return c.push(other)
	case 'l', 't': // LIST, TUPLE
		if _, err := c.popMark(); err != nil {
			return err
		}
		if err := c.charge(costSmallObj); err != nil {
			return err
		}
		return c.push(other)
	case ']':
		if err := c.charge(costEmptyList); err != nil {
			return err
		}
		return c.push(other)
	case '}':
		if err := c.charge(costEmptyDict); err != nil {
			return err
		}
		return c.push(other)
	case 0x8f: // EMPTY_SET
		if err := c.charge(costEmptySet); err != nil {
			return err
		}
		return c.push(other)
	case ')':
		if err := c.charge(costSmallObj / 2); err != nil {
			return err
		}
		return c.push(other)
	case 0x85, 0x86, 0x87: // TUPLE1..3
		if _, err := c.pop(int(code - 0x84)); err != nil {
			return err
		}
		if err := c.charge(costSmallObj); err != nil {
			return err
		}
		return c.push(other)
	case 'h', 'j': // BINGET, LONG_BINGET
		it, ok := c.memo.get(memoIndex(arg))
		if !ok {
			return c.fail("reads memo slot %d, which was never written", memoIndex(arg))
		}
		return c.push(it)
	case 'q', 'r': // BINPUT, LONG_BINPUT
		return c.memoPut(memoIndex(arg))
	case 0x94: // MEMOIZE stores at index len(memo)
		return c.memoPut(uint64(c.memo.len()))
	case 0x80, 0x95, 0x98: // PROTO, FRAME (charged above), READONLY_BUFFER (a no-op in gopickle)
		return nil
	}
	// Text opcodes are handled by line; anything else was rejected.
	return nil
}

func (c *checker) memoPut(i uint64) error {
	if len(c.stack) == c.base() {
		return c.fail("stack underflow")
	}
	if c.memo.put(i, c.stack[len(c.stack)-1]) {
		return c.charge(costMemo)
	}
	return nil
}

// line validates and applies a text-argument opcode of protocol 0.
func (c *checker) line(code byte, l []byte, off int) error {
	if err := c.charge(3*int64(len(l)) + 96); err != nil { // readLine's buffer growth and the string
		return err
	}
	switch code {
	case 'I', 'L':
		if len(l) > MaxIntDigits+2 { // sign and the 'L' suffix
			return fmt.Errorf("integer of %d characters exceeds the limit of %d digits", len(l), MaxIntDigits)
		}
		if err := c.charge(8 * int64(len(l))); err != nil { // big.Int parsing
			return err
		}
		return c.push(item{kind: kOther})
	case 'F':
		return c.push(item{kind: kOther})
	case 'S':
		if bytes.IndexByte(l, '\\') >= 0 {
			return fmt.Errorf("escape sequences in STRING arguments are not supported")
		}
		return c.push(item{kind: kStr, off: -1, n: int32(len(l))})
	case 'V':
		if bytes.IndexByte(l, '\\') >= 0 {
			return fmt.Errorf("escape sequences in UNICODE arguments are not supported")
		}
		for _, ch := range l {
			if ch >= 0x80 {
				return fmt.Errorf("raw non-ASCII bytes in UNICODE arguments are not supported")
			}
		}
		return c.push(item{kind: kStr, off: int32(off), n: int32(len(l))})
	case 'p', 'g':
		i, err := strconv.ParseUint(string(l), 10, 64)
		if err != nil || i > math.MaxInt32 {
			return fmt.Errorf("invalid memo index %q", l)
		}
		if code == 'p' {
			return c.memoPut(i)
		}
		it, ok := c.memo.get(i)
		if !ok {
			return fmt.Errorf("reads memo slot %d, which was never written", i)
		}
		return c.push(it)
	}
	return nil
}
