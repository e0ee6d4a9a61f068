package pickle

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
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
//   - memo reads (GET, BINGET, LONG_BINGET) name a slot already written
//     (gopickle would silently push None);
//   - integers stay within MaxIntDigits / MaxLongBytes;
//   - protocol 0 STRING and UNICODE arguments carry no escape sequences and
//     UNICODE no raw non-ASCII bytes (gopickle does not unescape them, so
//     they would decode to the wrong text);
//   - GLOBAL and INST name an allowed class (STACK_GLOBAL names are only known
//     when decoding and are checked by the decoder's class lookup);
//   - the stream ends with exactly one STOP and no trailing bytes.
//
// It is a validator, not a second unpickler: it does not track the stack.
func Check(data []byte, maxDepth int) error {
	if maxDepth <= 0 {
		maxDepth = MaxDepth
	}
	if len(data) == 0 {
		return fmt.Errorf("pickle: empty input")
	}
	var (
		pos      int
		frameEnd = -1 // end of the current frame, -1 when not in a frame
		depth    int
		memo     = map[uint64]struct{}{}
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
			return fmt.Errorf("pickle: unknown opcode 0x%02x at offset %d", code, start)
		}
		if op.reject {
			return fmt.Errorf("pickle: opcode %s at offset %d is not supported", op.name, start)
		}
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
		line := func() ([]byte, error) {
			i := bytes.IndexByte(data[pos:limit], '\n')
			if i < 0 {
				return nil, fmt.Errorf("pickle: %s at offset %d: argument line is not terminated", op.name, start)
			}
			l := data[pos : pos+i]
			pos += i + 1
			return l, nil
		}
		switch op.arg {
		case argFixed:
			if err := need(uint64(op.n)); err != nil {
				return err
			}
			arg := data[pos : pos+op.n]
			pos += op.n
			switch code {
			case 0x80: // PROTO
				if arg[0] > 5 {
					return fmt.Errorf("pickle: unsupported protocol %d", arg[0])
				}
			case 0x95: // FRAME
				if frameEnd >= 0 && start < frameEnd {
					return fmt.Errorf("pickle: FRAME at offset %d inside another frame", start)
				}
				n := binary.LittleEndian.Uint64(arg)
				if n > uint64(len(data)-pos) {
					return fmt.Errorf("pickle: FRAME at offset %d declares %d bytes but only %d remain", start, n, len(data)-pos)
				}
				frameEnd = pos + int(n)
			case 'q', 'r': // BINPUT, LONG_BINPUT
				memo[memoIndex(arg)] = struct{}{}
			case 'h', 'j': // BINGET, LONG_BINGET
				if _, ok := memo[memoIndex(arg)]; !ok {
					return fmt.Errorf("pickle: %s at offset %d reads memo slot %d, which was never written", op.name, start, memoIndex(arg))
				}
			}
		case argLine:
			l, err := line()
			if err != nil {
				return err
			}
			if err := checkLine(code, l, memo); err != nil {
				return fmt.Errorf("pickle: %s at offset %d: %w", op.name, start, err)
			}
		case argTwoLines:
			module, err := line()
			if err != nil {
				return err
			}
			name, err := line()
			if err != nil {
				return err
			}
			if !allowedGlobalText(string(module), string(name)) {
				return &NotAllowedError{Module: string(module), Name: string(name)}
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
				return err
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
					return fmt.Errorf("pickle: %s at offset %d has a negative length", op.name, start)
				}
				n = uint64(s)
			case argLen8:
				n = binary.LittleEndian.Uint64(data[pos:])
			}
			pos += size
			if code == 0x8a || code == 0x8b { // LONG1, LONG4
				if n == 0 {
					return fmt.Errorf("pickle: %s at offset %d has an empty payload", op.name, start)
				}
				if n > MaxLongBytes {
					return fmt.Errorf("pickle: %s at offset %d: integer of %d bytes exceeds the limit of %d", op.name, start, n, MaxLongBytes)
				}
			}
			if err := need(n); err != nil {
				return err
			}
			pos += int(n)
		}
		switch op.mark {
		case +1:
			depth++
			if depth > maxDepth {
				return fmt.Errorf("pickle: nesting deeper than %d at offset %d", maxDepth, start)
			}
		case -1:
			if depth == 0 {
				return fmt.Errorf("pickle: %s at offset %d without a MARK", op.name, start)
			}
			depth--
		}
		switch code {
		case 0x94: // MEMOIZE stores at index len(memo)
			memo[uint64(len(memo))] = struct{}{}
		case '.':
			if pos != len(data) {
				return fmt.Errorf("pickle: %d trailing bytes after STOP at offset %d", len(data)-pos, start)
			}
			return nil
		}
	}
	return fmt.Errorf("pickle: truncated input (no STOP)")
}

func memoIndex(arg []byte) uint64 {
	if len(arg) == 1 {
		return uint64(arg[0])
	}
	return uint64(binary.LittleEndian.Uint32(arg))
}

// checkLine validates the text argument of a protocol 0 opcode.
func checkLine(code byte, l []byte, memo map[uint64]struct{}) error {
	switch code {
	case 'I', 'L':
		if len(l) > MaxIntDigits+2 { // sign and the 'L' suffix
			return fmt.Errorf("integer of %d characters exceeds the limit of %d digits", len(l), MaxIntDigits)
		}
	case 'S':
		if bytes.IndexByte(l, '\\') >= 0 {
			return fmt.Errorf("escape sequences in STRING arguments are not supported")
		}
	case 'V':
		if bytes.IndexByte(l, '\\') >= 0 {
			return fmt.Errorf("escape sequences in UNICODE arguments are not supported")
		}
		for _, c := range l {
			if c >= 0x80 {
				return fmt.Errorf("raw non-ASCII bytes in UNICODE arguments are not supported")
			}
		}
	case 'p', 'g':
		i, err := strconv.ParseUint(string(l), 10, 64)
		if err != nil {
			return fmt.Errorf("invalid memo index %q", l)
		}
		if code == 'p' {
			memo[i] = struct{}{}
		} else if _, ok := memo[i]; !ok {
			return fmt.Errorf("reads memo slot %d, which was never written", i)
		}
	}
	return nil
}
