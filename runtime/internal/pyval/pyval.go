// Package pyval holds the Go forms of Python values that have no exact Go
// counterpart: datetime.date and decimal.Decimal. The runtime package
// re-exports them as runtime.Date and runtime.Decimal.
package pyval

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Date is a calendar date without time or zone (Python datetime.date).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses the ISO form YYYY-MM-DD that Python's date.isoformat writes.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: %w", s, err)
	}
	return DateOf(t), nil
}

// String returns YYYY-MM-DD, the year zero-padded to four digits as Python does.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns midnight UTC of the date.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler. It accepts the zero
// Date's own text, 0000-00-00, so an unset Date field round-trips.
func (d *Date) UnmarshalText(b []byte) error {
	if string(b) == "0000-00-00" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// decimalRE is the syntax Python's Decimal(str) accepts (without surrounding
// whitespace or underscores), and what str(Decimal) writes.
var decimalRE = regexp.MustCompile(`^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:inf|infinity|nan|snan)[0-9]*)$`)

// Decimal is an exact decimal number kept as its text (Python decimal.Decimal).
// The text is validated, never rounded: "123.4500" and "1E+2" survive as written.
type Decimal struct{ text string }

// ParseDecimal validates s as Python decimal syntax.
func ParseDecimal(s string) (Decimal, error) {
	if !decimalRE.MatchString(s) {
		return Decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	return Decimal{text: s}, nil
}

// MustDecimal is ParseDecimal that panics on malformed text; for constants.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String returns the exact text. The zero Decimal is "0".
func (d Decimal) String() string {
	if d.text == "" {
		return "0"
	}
	return d.text
}

// IsNaN reports whether d is a NaN (quiet or signalling).
func (d Decimal) IsNaN() bool { return strings.Contains(strings.ToLower(d.text), "nan") }

// MarshalText implements encoding.TextMarshaler.
func (d Decimal) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalBinary implements encoding.BinaryMarshaler, for gob.
func (d Decimal) MarshalBinary() ([]byte, error) { return d.MarshalText() }

// UnmarshalBinary implements encoding.BinaryUnmarshaler, for gob.
func (d *Decimal) UnmarshalBinary(b []byte) error { return d.UnmarshalText(b) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Decimal) UnmarshalText(b []byte) error {
	v, err := ParseDecimal(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
