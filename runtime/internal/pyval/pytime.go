package pyval

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Python's datetime.fromisoformat, and the fixed zones decoded datetimes
// get: one parser for every codec and for Assign.

// zoneCache holds one fixed zone per quarter-hour offset in (−24h, +24h), the
// offsets every real zone uses today, so decoding a zoned time does not
// allocate a *time.Location each time. Other offsets (historical LMT) get a
// fresh zone.
var zoneCache [2*96 + 1]atomic.Pointer[time.Location]

// MaxOffset bounds a UTC offset in seconds (exclusive), as Python's timezone does.
const MaxOffset = 24 * 60 * 60

// FixedZone returns the location for a UTC offset in seconds: time.UTC for 0
// (so a decoded UTC value equals one built with time.UTC, and the zero time
// round-trips to time.Time{}), else an unnamed fixed zone.
func FixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%900 != 0 || off <= -MaxOffset || off >= MaxOffset {
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

// validDate reports a date Python's datetime.date could not hold.
func validDate(y int, m time.Month, d int) error {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return fmt.Errorf("invalid date %04d-%02d-%02d", y, int(m), d)
	}
	if yy, mm, dd := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Date(); yy != y || mm != m || dd != d {
		return fmt.Errorf("invalid date %04d-%02d-%02d", y, int(m), d)
	}
	return nil
}

// isoParser walks a string for ParseISO.
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

// ParseISO parses what Python's datetime.fromisoformat (3.11) accepts in
// the extended format rick and Python write: YYYY-MM-DD, optionally followed
// by any single separator character and HH[:MM[:SS[.ffffff]]], optionally
// followed by Z or ±HH[:MM[:SS[.ffffff]]] (or ±HHMM). An aware value keeps
// its offset as a fixed zone (UTC when 0); a naive one is read as UTC.
func ParseISO(s string) (time.Time, error) {
	p := isoParser{s: s}
	y, ok1 := p.digits(4)
	ok2 := p.byte('-')
	mo, ok3 := p.digits(2)
	ok4 := p.byte('-')
	d, ok5 := p.digits(2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || validDate(y, time.Month(mo), d) != nil {
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
			loc = FixedZone(off)
		default:
			return time.Time{}, fmt.Errorf("%w: %q", errISO, s)
		}
	}
	if !p.done() {
		return time.Time{}, fmt.Errorf("%w: %q (trailing text)", errISO, s)
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, us*1000, loc), nil
}
