package codec

import (
	"encoding/binary"
	"fmt"
)

// CheckMsgpack walks one encoded msgpack value without allocating and
// reports whether a decoder may safely be run on it:
//
//   - every declared length or count fits in the bytes that remain (an array
//     element takes at least one byte, a map entry at least two, a str, bin or
//     ext payload exactly its length), so no decoder is told to allocate more
//     than the input could fill;
//   - containers nest at most maxDepth deep (a negative maxDepth is 0: only
//     scalars), so decoder recursion is bounded;
//   - data holds exactly one value: no truncation, no trailing bytes;
//   - the reserved code 0xc1 does not occur.
//
// It is a validator, not a decoder: ext payloads are opaque, and UTF-8, ext
// payloads and types are not checked. Errors wrap ErrMalformed.
//
// The msgpack codec adds one guard that is specific to vmihailenco/msgpack
// (see mpReader.extStarts): no decoder may read a type code at the first
// byte of an ext payload, because the bytes there were never checked as
// values. It cannot be expressed as a property of the bytes alone.
func CheckMsgpack(data []byte, maxDepth int) error {
	return checkMsgpack(data, maxDepth, nil)
}

// checkMsgpack is CheckMsgpack that also appends to *extStarts (when not
// nil) the offset of every non-empty ext payload, in increasing order.
func checkMsgpack(data []byte, maxDepth int, extStarts *[]int) error {
	if maxDepth < 0 {
		maxDepth = 0
	}
	c := mpChecker{data: data, maxDepth: maxDepth, extStarts: extStarts}
	end, err := c.value(0, 0)
	if err != nil {
		return err
	}
	if end != len(data) {
		return fmt.Errorf("%w: msgpack: %d trailing bytes after the value at offset %d", ErrMalformed, len(data)-end, end)
	}
	return nil
}

type mpChecker struct {
	data      []byte
	maxDepth  int
	extStarts *[]int
}

func (c *mpChecker) truncated(pos int) error {
	return fmt.Errorf("%w: msgpack: truncated at offset %d of %d", ErrMalformed, pos, len(c.data))
}

// uint reads an n-byte big-endian length at pos.
func (c *mpChecker) uint(pos, n int) (uint64, error) {
	if len(c.data)-pos < n {
		return 0, c.truncated(pos)
	}
	b := c.data[pos : pos+n]
	switch n {
	case 1:
		return uint64(b[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), nil
	default:
		return uint64(binary.BigEndian.Uint32(b)), nil
	}
}

// skip checks that n payload bytes follow pos and returns the end.
func (c *mpChecker) skip(pos int, n uint64, what string) (int, error) {
	if n > uint64(len(c.data)-pos) {
		return 0, fmt.Errorf("%w: msgpack: %s at offset %d declares %d bytes, only %d remain", ErrMalformed, what, pos, n, len(c.data)-pos)
	}
	return pos + int(n), nil
}

// value checks the value starting at pos (depth containers deep) and returns
// the offset just after it. Recursion is bounded by maxDepth.
func (c *mpChecker) value(pos, depth int) (int, error) {
	if pos >= len(c.data) {
		return 0, c.truncated(pos)
	}
	b := c.data[pos]
	pos++
	switch {
	case b <= 0x7f, b >= 0xe0: // positive and negative fixint
		return pos, nil
	case b <= 0x8f:
		return c.container(pos, uint64(b&0x0f), true, depth)
	case b <= 0x9f:
		return c.container(pos, uint64(b&0x0f), false, depth)
	case b <= 0xbf:
		return c.skip(pos, uint64(b&0x1f), "fixstr")
	}
	switch b {
	case 0xc0, 0xc2, 0xc3: // nil, false, true
		return pos, nil
	case 0xc1:
		return 0, fmt.Errorf("%w: msgpack: reserved code 0xc1 at offset %d", ErrMalformed, pos-1)
	case 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb: // bin 8/16/32, str 8/16/32
		w := 1 << (b - 0xc4)
		if b >= 0xd9 {
			w = 1 << (b - 0xd9)
		}
		n, err := c.uint(pos, w)
		if err != nil {
			return 0, err
		}
		return c.skip(pos+w, n, "str/bin")
	case 0xc7, 0xc8, 0xc9: // ext 8/16/32: length, type, payload
		w := 1 << (b - 0xc7)
		n, err := c.uint(pos, w)
		if err != nil {
			return 0, err
		}
		return c.ext(pos+w, n)
	case 0xca, 0xcb: // float 32/64
		return c.skip(pos, 4<<(b-0xca), "float")
	case 0xcc, 0xcd, 0xce, 0xcf: // uint 8..64
		return c.skip(pos, 1<<(b-0xcc), "uint")
	case 0xd0, 0xd1, 0xd2, 0xd3: // int 8..64
		return c.skip(pos, 1<<(b-0xd0), "int")
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1..16: type, payload
		return c.ext(pos, 1<<(b-0xd4))
	case 0xdc, 0xdd, 0xde, 0xdf: // array 16/32, map 16/32
		w := 2 << ((b - 0xdc) & 1)
		n, err := c.uint(pos, w)
		if err != nil {
			return 0, err
		}
		return c.container(pos+w, n, b >= 0xde, depth)
	}
	// Unreachable: every byte value is covered above.
	return 0, fmt.Errorf("%w: msgpack: unknown code 0x%02x at offset %d", ErrMalformed, b, pos-1)
}

// container checks n elements (2n values for a map) starting at pos.
func (c *mpChecker) container(pos int, n uint64, isMap bool, depth int) (int, error) {
	if depth+1 > c.maxDepth {
		return 0, fmt.Errorf("%w: msgpack: nesting deeper than %d at offset %d", ErrMalformed, c.maxDepth, pos)
	}
	values := n
	if isMap {
		values = 2 * n // n < 2^32, no overflow
	}
	if values > uint64(len(c.data)-pos) {
		return 0, fmt.Errorf("%w: msgpack: container at offset %d declares %d elements, only %d bytes remain", ErrMalformed, pos, n, len(c.data)-pos)
	}
	var err error
	for i := uint64(0); i < values; i++ {
		if pos, err = c.value(pos, depth+1); err != nil {
			return 0, err
		}
	}
	return pos, nil
}

// ext checks the type byte and n payload bytes at pos.
func (c *mpChecker) ext(pos int, n uint64) (int, error) {
	end, err := c.skip(pos, n+1, "ext")
	if err != nil {
		return 0, err
	}
	if n > 0 && c.extStarts != nil {
		*c.extStarts = append(*c.extStarts, pos+1)
	}
	return end, nil
}

// checkJSONDepth scans JSON text for bracket nesting deeper than maxDepth,
// skipping string contents (and their escapes). It allocates nothing and
// does not validate syntax; encoding/json does that afterwards.
func checkJSONDepth(data []byte, maxDepth int) error {
	depth := 0
	inString := false
	for i := 0; i < len(data); i++ {
		b := data[i]
		if inString {
			switch b {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > maxDepth {
				return fmt.Errorf("%w: json: nesting deeper than %d at offset %d", ErrMalformed, maxDepth, i)
			}
		case ']', '}':
			depth--
		}
	}
	return nil
}

// checkGobFraming walks gob's message framing (a uint byte count before
// each message) and requires every count to fit in the input. encoding/gob
// reads counts up to 1 GiB before looking at the data; since Go 1.21 it
// grows its buffer gradually, but checking the framing first keeps a
// hostile count from costing anything at all.
func checkGobFraming(data []byte) error {
	pos := 0
	for pos < len(data) {
		n, w, err := gobUint(data[pos:])
		if err != nil {
			return fmt.Errorf("%w: gob: message count at offset %d: %v", ErrMalformed, pos, err)
		}
		pos += w
		if n > uint64(len(data)-pos) {
			return fmt.Errorf("%w: gob: message at offset %d declares %d bytes, only %d remain", ErrMalformed, pos, n, len(data)-pos)
		}
		pos += int(n)
	}
	return nil
}

// gobUint decodes gob's unsigned integer: one byte below 0x80, else the
// negated byte count (1..8) followed by that many big-endian bytes.
func gobUint(b []byte) (uint64, int, error) {
	if len(b) == 0 {
		return 0, 0, fmt.Errorf("truncated")
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1, nil
	}
	n := -int(int8(b[0]))
	if n > 8 {
		return 0, 0, fmt.Errorf("invalid uint length byte 0x%02x", b[0])
	}
	if len(b) < 1+n {
		return 0, 0, fmt.Errorf("truncated")
	}
	var x uint64
	for _, c := range b[1 : 1+n] {
		x = x<<8 | uint64(c)
	}
	return x, 1 + n, nil
}
