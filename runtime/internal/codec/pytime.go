package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// Python's datetime.isoformat and fromisoformat, and the msgpack timestamp.

// zoneCache holds one fixed zone per quarter-hour offset in (−24h, +24h), the
// offsets every real zone uses today, so decoding a zoned time does not
// allocate a *time.Location each time. Other offsets (historical LMT) get a
// fresh zone.
var zoneCache [2*96 + 1]atomic.Pointer[time.Location]

const maxOffset = 24 * 60 * 60 // exclusive, as in Python's timezone

// fixedZone returns the location for a UTC offset in seconds: time.UTC for 0
// (so a decoded UTC value equals one built with time.UTC, and the zero time
// round-trips to time.Time{}), else an unnamed fixed zone.
func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%900 != 0 || off <= -maxOffset || off >= maxOffset {
		return time.FixedZone("", off)
	}
	slot := &zoneCache[off/900+96]
	if l := slot.Load(); l != nil {
		return l
	}
	l := time.FixedZone("", off)
	slot.Store(l)
	return l
}

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

// isoParser walks a string for parsePyISO.
type isoParser struct {
	s   string
	pos int
}

// digits reads exactly n ASCII digits.
func (p *isoParser) digits(n int) (int, bool) {
	if len(p.s)-p.pos < n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := p.s[p.pos+i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.pos += n
	return v, true
}

func (p *isoParser) byte(c byte) bool {
	if p.pos < len(p.s) && p.s[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *isoParser) done() bool { return p.pos == len(p.s) }

// clock parses HH[:MM[:SS[(.|,)f+]]] and returns the time of day in
// microseconds, as Python does (fraction digits past 6 are truncated).
func (p *isoParser) clock() (h, m, s, us int, ok bool) {
	if h, ok = p.digits(2); !ok || h > 23 {
		return 0, 0, 0, 0, false
	}
	if !p.byte(':') {
		return h, 0, 0, 0, true
	}
	if m, ok = p.digits(2); !ok || m > 59 {
		return 0, 0, 0, 0, false
	}
	if !p.byte(':') {
		return h, m, 0, 0, true
	}
	if s, ok = p.digits(2); !ok || s > 59 {
		return 0, 0, 0, 0, false
	}
	if !p.byte('.') && !p.byte(',') {
		return h, m, s, 0, true
	}
	n := 0
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		if n < 6 {
			us = us*10 + int(p.s[p.pos]-'0')
		}
		n++
		p.pos++
	}
	if n == 0 {
		return 0, 0, 0, 0, false
	}
	for i := n; i < 6; i++ {
		us *= 10
	}
	return h, m, s, us, true
}

var errISO = errors.New("invalid isoformat string")

// parsePyISO parses what Python's datetime.fromisoformat (3.11) accepts in
// the extended format rick and Python write: YYYY-MM-DD, optionally followed
// by any single separator character and HH[:MM[:SS[.ffffff]]], optionally
// followed by Z or ±HH[:MM[:SS[.ffffff]]] (or ±HHMM). An aware value keeps
// its offset as a fixed zone (UTC when 0); a naive one is read as UTC.
func parsePyISO(s string) (time.Time, error) {
	p := isoParser{s: s}
	y, ok1 := p.digits(4)
	ok2 := p.byte('-')
	mo, ok3 := p.digits(2)
	ok4 := p.byte('-')
	d, ok5 := p.digits(2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || !validDate(pyval.Date{Year: y, Month: time.Month(mo), Day: d}) {
		return time.Time{}, fmt.Errorf("%w: %q", errISO, s)
	}
	if p.done() {
		return time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC), nil
	}
	// Any single character separates date and time (Python 3.11).
	_, size := utf8.DecodeRuneInString(s[p.pos:])
	p.pos += size
	h, mi, sec, us, ok := p.clock()
	if !ok {
		return time.Time{}, fmt.Errorf("%w: %q", errISO, s)
	}
	loc := time.UTC
	if !p.done() {
		switch s[p.pos] {
		case 'Z', 'z':
			p.pos++
		case '+', '-':
			neg := s[p.pos] == '-'
			p.pos++
			var oh, om, os, ous int
			if oh, ok = p.digits(2); !ok {
				return time.Time{}, fmt.Errorf("%w: %q", errISO, s)
			}
			if p.byte(':') {
				p.pos -= 3
				oh, om, os, ous, ok = p.clock()
			} else if !p.done() {
				om, ok = p.digits(2) // ±HHMM
				if om > 59 {
					ok = false
				}
			}
			if !ok || ous != 0 { // Go zones have whole-second offsets
				return time.Time{}, fmt.Errorf("%w: %q (offset)", errISO, s)
			}
			off := oh*3600 + om*60 + os
			if neg {
				off = -off
			}
			loc = fixedZone(off)
		default:
			return time.Time{}, fmt.Errorf("%w: %q", errISO, s)
		}
	}
	if !p.done() {
		return time.Time{}, fmt.Errorf("%w: %q (trailing text)", errISO, s)
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, loc), nil
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
