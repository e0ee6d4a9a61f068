package codec

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// Python's datetime.isoformat and fromisoformat, and the msgpack timestamp.

// appendISODate appends YYYY-MM-DD (the year zero-padded to 4 digits).
func appendISODate(b []byte, y int, m time.Month, d int) []byte {
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(m))
	b = append(b, '-')
	return append2(b, d)
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

// appendPyISO appends t as Python's datetime.isoformat writes an aware value:
// YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM[:SS]. Microseconds appear only when not
// zero, always as 6 digits; nanoseconds below a microsecond are truncated
// (Python has no finer unit). UTC is +00:00, never Z.
func appendPyISO(b []byte, t time.Time) ([]byte, error) {
	y, mo, d := t.Date()
	if y < 1 || y > 9999 {
		return b, fmt.Errorf("time %s: year %d is outside Python's datetime range 1..9999", t, y)
	}
	h, mi, s := t.Clock()
	b = appendISODate(b, y, mo, d)
	b = append(b, 'T')
	b = append2(b, h)
	b = append(b, ':')
	b = append2(b, mi)
	b = append(b, ':')
	b = append2(b, s)
	if us := t.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		b = append2(b, us/10000)
		b = append2(b, us/100%100)
		b = append2(b, us%100)
	}
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	b = append(b, sign)
	b = append2(b, off/3600)
	b = append(b, ':')
	b = append2(b, off/60%60)
	if off%60 != 0 {
		b = append(b, ':')
		b = append2(b, off%60)
	}
	return b, nil
}

// validDate reports whether d is a date Python's datetime.date can hold.
func validDate(d pyval.Date) bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
		return false
	}
	y, m, dd := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Date()
	return y == d.Year && m == d.Month && dd == d.Day
}

// appendTimestamp appends the msgpack timestamp (ext −1) payload of t
// exactly as vmihailenco/msgpack writes it: 4 bytes (seconds) when they fit
// in 32 bits and there are no nanoseconds, 8 bytes (30-bit nanoseconds,
// 34-bit seconds), else 12 bytes (nanoseconds uint32, seconds int64).
func appendTimestamp(b []byte, t time.Time) []byte {
	secs := uint64(t.Unix())
	if secs>>34 == 0 {
		data := uint64(t.Nanosecond())<<34 | secs
		if data&0xffffffff00000000 == 0 {
			return binary.BigEndian.AppendUint32(b, uint32(data))
		}
		return binary.BigEndian.AppendUint64(b, data)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
	return binary.BigEndian.AppendUint64(b, secs)
}

// parseTimestamp reads a 4, 8 or 12 byte msgpack timestamp payload.
// strict rejects nanoseconds ≥ 1e9, which the spec forbids (vmihailenco's
// own decoder normalises them instead).
func parseTimestamp(p []byte, strict bool) (sec, nsec int64, err error) {
	switch len(p) {
	case 4:
		return int64(binary.BigEndian.Uint32(p)), 0, nil
	case 8:
		data := binary.BigEndian.Uint64(p)
		sec, nsec = int64(data&0x00000003ffffffff), int64(data>>34)
	case 12:
		nsec, sec = int64(binary.BigEndian.Uint32(p)), int64(binary.BigEndian.Uint64(p[4:]))
	default:
		return 0, 0, fmt.Errorf("msgpack: invalid ext len=%d decoding time", len(p))
	}
	if strict && nsec >= 1e9 {
		return 0, 0, fmt.Errorf("msgpack: timestamp nanoseconds %d out of range", nsec)
	}
	return sec, nsec, nil
}
