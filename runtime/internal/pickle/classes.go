package pickle

import (
	"errors"
	"fmt"
	"math/big"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// ErrNotAllowed is matched (errors.Is) by every NotAllowedError.
var ErrNotAllowed = errors.New("pickle: class is not allowed")

// NotAllowedError reports a pickled global (class or function) outside the
// allow-list. The decoder never resolves a name any other way, so a pickle
// naming os.system, subprocess.Popen, builtins.eval or an application class
// fails with this error.
type NotAllowedError struct{ Module, Name string }

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("pickle: class %s.%s is not allowed", e.Module, e.Name)
}

// Is makes errors.Is(err, ErrNotAllowed) hold.
func (e *NotAllowedError) Is(target error) bool { return target == ErrNotAllowed }

// pyClass is an allowed Python global. Bound to one decoding's budget
// (boundClass), every one implements types.Callable (REDUCE, INST, OBJ) and
// types.PyNewable (NEWOBJ); both validate their arguments strictly, charge
// what they copy or scan to the budget (the memo lets a pickle call them
// again and again on one large argument), and build only inert Go values.
type pyClass struct {
	module, name string
	call         func(b *budget, args []any) (any, error)
	pyNew        func(b *budget, args []any) (any, error) // nil: NEWOBJ not supported
}

func (c *pyClass) String() string { return c.module + "." + c.name }

// boundClass is a pyClass as one decoding sees it.
type boundClass struct {
	*pyClass
	b *budget
}

func (c *boundClass) Call(args ...any) (any, error) {
	if err := c.b.charge(costSmallObj+16*int64(len(args)), c.String()); err != nil {
		return nil, err
	}
	v, err := c.call(c.b, args)
	if err != nil {
		return nil, fmt.Errorf("pickle: %s: %w", c, err)
	}
	return v, nil
}

func (c *boundClass) PyNew(args ...any) (any, error) {
	if c.pyNew == nil {
		return nil, fmt.Errorf("pickle: %s cannot be created with NEWOBJ", c)
	}
	if err := c.b.charge(costSmallObj+16*int64(len(args)), c.String()); err != nil {
		return nil, err
	}
	v, err := c.pyNew(c.b, args)
	if err != nil {
		return nil, fmt.Errorf("pickle: %s: %w", c, err)
	}
	return v, nil
}

var (
	datetimeClass  = &pyClass{module: "datetime", name: "datetime", call: newDatetime}
	dateClass      = &pyClass{module: "datetime", name: "date", call: newDate}
	timezoneClass  = &pyClass{module: "datetime", name: "timezone", call: newTimezone}
	timedeltaClass = &pyClass{module: "datetime", name: "timedelta", call: newTimedelta}
	decimalClass   = &pyClass{module: "decimal", name: "Decimal", call: newDecimal}
	uuidClass      = &pyClass{module: "uuid", name: "UUID", call: newUUID, pyNew: newUUIDObject}
	codecsEncode   = &pyClass{module: "_codecs", name: "encode", call: callCodecsEncode}
	setClass       = &pyClass{module: "builtins", name: "set", call: newSet}
	frozensetClass = &pyClass{module: "builtins", name: "frozenset", call: newSet}
	bytesClass     = &pyClass{module: "builtins", name: "bytes", call: newBytes}
	bytearrayClass = &pyClass{module: "builtins", name: "bytearray", call: newBytes}
)

// allowed is the allow-list, keyed "module.name". Python 3 writes protocol
// 0–2 pickles with Python 2 names (__builtin__, copy_reg) because of
// fix_imports, so both spellings are listed.
var allowed = map[string]any{
	"datetime.datetime":      datetimeClass,
	"datetime.date":          dateClass,
	"datetime.timezone":      timezoneClass,
	"datetime.timedelta":     timedeltaClass,
	"decimal.Decimal":        decimalClass,
	"uuid.UUID":              uuidClass,
	"_codecs.encode":         codecsEncode,
	"builtins.set":           setClass,
	"__builtin__.set":        setClass,
	"builtins.frozenset":     frozensetClass,
	"__builtin__.frozenset":  frozensetClass,
	"builtins.bytes":         bytesClass,
	"__builtin__.bytes":      bytesClass,
	"builtins.bytearray":     bytearrayClass,
	"__builtin__.bytearray":  bytearrayClass,
	"copyreg._reconstructor": &types.Reconstructor{}, // protocol 0/1 class instances (UUID)
	"builtins.object":        &types.ObjectClass{},
}

// findClass is the Unpickler's FindClass: the allow-list and nothing else,
// the constructors bound to the decoding's budget.
func findClass(module, name string, b *budget) (any, error) {
	if c, ok := allowed[module+"."+name]; ok {
		if pc, ok := c.(*pyClass); ok {
			return &boundClass{pc, b}, nil
		}
		return c, nil
	}
	return nil, &NotAllowedError{Module: module, Name: name}
}

// allowedGlobalText reports whether a GLOBAL/INST opcode may name module.name.
// gopickle answers three names itself before asking FindClass:
// copy_reg._reconstructor and __builtin__.object (inert helpers, allowed) and
// collections.OrderedDict (not on the allow-list, so rejected here).
func allowedGlobalText(module, name string) bool {
	switch module + "." + name {
	case "copy_reg._reconstructor", "__builtin__.object":
		return true
	}
	_, ok := allowed[module+"."+name]
	return ok
}

// timedelta is a datetime.timedelta; only a timezone offset may hold one.
type timedelta struct{ days, seconds, micros int64 }

// timezone is a datetime.timezone; only a datetime's tzinfo may hold one.
type timezone struct {
	offset int // seconds east of UTC
	name   string
	named  bool
}

// uuidObject is a uuid.UUID made by NEWOBJ, waiting for BUILD to set its state.
type uuidObject struct {
	u   uuid.UUID
	set bool
	b   *budget
}

func intArg(v any) (*big.Int, bool) {
	switch n := v.(type) {
	case int:
		return big.NewInt(int64(n)), true
	case *big.Int:
		return n, true
	case bool: // Python bools are ints
		if n {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	}
	return nil, false
}

func smallIntArg(v any) (int64, bool) {
	n, ok := intArg(v)
	if !ok || !n.IsInt64() {
		return 0, false
	}
	return n.Int64(), true
}

// stateBytes accepts the packed state of date/datetime: bytes, or a str whose
// code points are the bytes (latin-1), as Python 2 and protocol 0–2 write it.
func stateBytes(v any, n int) ([]byte, bool) {
	switch s := v.(type) {
	case []byte:
		if len(s) == n {
			return s, true
		}
	case string:
		if utf8.RuneCountInString(s) != n {
			return nil, false
		}
		b := make([]byte, 0, n)
		for _, r := range s {
			if r > 0xff {
				return nil, false
			}
			b = append(b, byte(r))
		}
		return b, true
	}
	return nil, false
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validDate(y int, m time.Month, d int) error {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return fmt.Errorf("invalid date %04d-%02d-%02d", y, int(m), d)
	}
	return nil
}

// newDatetime is datetime.datetime(state[, tzinfo]) as pickled by
// datetime.__reduce_ex__: a 10-byte state YYMDhmsuuu in local wall time.
func newDatetime(b *budget, args []any) (any, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, fmt.Errorf("want (state[, tzinfo]), got %d arguments", len(args))
	}
	st, ok := stateBytes(args[0], 10)
	if !ok {
		return nil, fmt.Errorf("state must be 10 bytes")
	}
	y, m, d := int(st[0])<<8|int(st[1]), time.Month(st[2]&0x7f), int(st[3]) // the top bit of the month is fold
	hh, mm, ss := int(st[4]), int(st[5]), int(st[6])
	us := int(st[7])<<16 | int(st[8])<<8 | int(st[9])
	if err := validDate(y, m, d); err != nil {
		return nil, err
	}
	if hh > 23 || mm > 59 || ss > 59 || us > 999999 {
		return nil, fmt.Errorf("invalid time %02d:%02d:%02d.%06d", hh, mm, ss, us)
	}
	if err := b.charge(160, "datetime.datetime"); err != nil { // the result and a fixed zone
		return nil, err
	}
	loc := time.UTC // a naive datetime is read as UTC
	if len(args) == 2 && args[1] != nil {
		tz, ok := args[1].(*timezone)
		if !ok {
			return nil, fmt.Errorf("tzinfo must be a datetime.timezone, got %s", describe(args[1]))
		}
		loc = tz.location()
	}
	return time.Date(y, m, d, hh, mm, ss, us*1000, loc), nil
}

func (tz *timezone) location() *time.Location {
	if tz.offset == 0 && !tz.named {
		return time.UTC
	}
	return time.FixedZone(tz.name, tz.offset)
}

// newDate is datetime.date(state): a 4-byte state YYMD.
func newDate(b *budget, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want (state), got %d arguments", len(args))
	}
	st, ok := stateBytes(args[0], 4)
	if !ok {
		return nil, fmt.Errorf("state must be 4 bytes")
	}
	d := pyval.Date{Year: int(st[0])<<8 | int(st[1]), Month: time.Month(st[2]), Day: int(st[3])}
	if err := validDate(d.Year, d.Month, d.Day); err != nil {
		return nil, err
	}
	return d, nil
}

// newTimedelta is datetime.timedelta(days, seconds, microseconds).
func newTimedelta(b *budget, args []any) (any, error) {
	if len(args) > 3 {
		return nil, fmt.Errorf("want (days, seconds, microseconds), got %d arguments", len(args))
	}
	var f [3]int64
	for i, a := range args {
		n, ok := smallIntArg(a)
		if !ok || n > 1e9 || n < -1e9 {
			return nil, fmt.Errorf("argument %d must be a small integer, got %s", i, describe(a))
		}
		f[i] = n
	}
	return &timedelta{days: f[0], seconds: f[1], micros: f[2]}, nil
}

// newTimezone is datetime.timezone(offset[, name]).
func newTimezone(b *budget, args []any) (any, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, fmt.Errorf("want (offset[, name]), got %d arguments", len(args))
	}
	td, ok := args[0].(*timedelta)
	if !ok {
		return nil, fmt.Errorf("offset must be a datetime.timedelta, got %s", describe(args[0]))
	}
	total := td.days*86400 + td.seconds + td.micros/1_000_000
	if td.micros%1_000_000 != 0 {
		return nil, fmt.Errorf("sub-second UTC offsets are not supported")
	}
	if total <= -86400 || total >= 86400 {
		return nil, fmt.Errorf("offset must be strictly between -24h and 24h")
	}
	tz := &timezone{offset: int(total)}
	if len(args) == 2 {
		name, ok := args[1].(string)
		if !ok {
			return nil, fmt.Errorf("name must be a str, got %s", describe(args[1]))
		}
		tz.name, tz.named = name, true
	}
	return tz, nil
}

// newDecimal is decimal.Decimal(str), as Decimal.__reduce__ pickles it.
func newDecimal(b *budget, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want (str), got %d arguments", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("want a str, got %s", describe(args[0]))
	}
	if err := b.charge(2*int64(len(s))+64, "decimal.Decimal"); err != nil {
		return nil, err
	}
	return pyval.ParseDecimal(s)
}

// newUUID is uuid.UUID(hex), the form the Go encoder writes.
func newUUID(b *budget, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want (hex), got %d arguments", len(args))
	}
	s, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("want a str, got %s", describe(args[0]))
	}
	return uuid.Parse(s)
}

// newUUIDObject is UUID.__new__(UUID), what Python writes (NEWOBJ + BUILD).
func newUUIDObject(b *budget, args []any) (any, error) {
	if len(args) != 0 {
		return nil, fmt.Errorf("want no arguments, got %d", len(args))
	}
	return &uuidObject{b: b}, nil
}

// PySetState is UUID.__setstate__: {'int': n[, 'is_safe': k]}.
func (o *uuidObject) PySetState(state any) error {
	d, ok := state.(*types.Dict)
	if !ok {
		return fmt.Errorf("pickle: uuid.UUID state must be a dict, got %s", describe(state))
	}
	// BUILD may be applied again and again with one large state dict: the
	// state UUID.__reduce__ writes has at most two keys.
	if len(*d) > 2 {
		return fmt.Errorf("pickle: uuid.UUID state has %d keys, want at most 2 (int, is_safe)", len(*d))
	}
	if err := o.b.charge(costSmallObj, "BUILD"); err != nil {
		return err
	}
	var got bool
	for _, e := range *d {
		switch e.Key {
		case "int":
			n, ok := intArg(e.Value)
			if !ok || n.Sign() < 0 || n.BitLen() > 128 {
				return fmt.Errorf("pickle: uuid.UUID int must be a 128-bit unsigned integer")
			}
			n.FillBytes(o.u[:])
			got = true
		case "is_safe":
			if _, ok := intArg(e.Value); !ok && e.Value != nil {
				return fmt.Errorf("pickle: uuid.UUID is_safe must be an int")
			}
		default:
			return fmt.Errorf("pickle: unexpected uuid.UUID state key %v", e.Key)
		}
	}
	if !got {
		return fmt.Errorf("pickle: uuid.UUID state has no int")
	}
	o.set = true
	return nil
}

// callCodecsEncode is _codecs.encode(str, 'latin1'), how protocol 0–2 write
// bytes.
func callCodecsEncode(b *budget, args []any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("want (str, encoding), got %d arguments", len(args))
	}
	s, ok := args[0].(string)
	enc, ok2 := args[1].(string)
	if !ok || !ok2 {
		return nil, fmt.Errorf("want (str, str)")
	}
	switch enc {
	case "latin1", "latin-1", "latin_1", "iso-8859-1", "iso8859-1", "l1":
	default:
		return nil, fmt.Errorf("encoding %q is not supported", enc)
	}
	if err := b.charge(2*int64(len(s))+64, "_codecs.encode"); err != nil {
		return nil, err
	}
	return latin1(s)
}

func latin1(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for _, r := range s { // invalid UTF-8 yields U+FFFD, which is > 0xff too
		if r > 0xff {
			return nil, fmt.Errorf("string is not latin-1")
		}
		b = append(b, byte(r))
	}
	return b, nil
}

// pySet is a set built by calling set()/frozenset() (protocol 0–2). Unlike
// gopickle's own Set it keeps its items in a slice, so unhashable-in-Go items
// such as bytes are fine.
type pySet struct{ items []any }

// Add implements types.SetAdder (ADDITEMS).
func (s *pySet) Add(v any) { s.items = append(s.items, v) }

// newSet is set(list) / frozenset(list); both become []any.
func newSet(b *budget, args []any) (any, error) {
	s := &pySet{}
	if len(args) == 1 {
		n := 0
		switch it := args[0].(type) {
		case *types.List:
			n = len(*it)
		case *types.Tuple:
			n = len(*it)
		}
		if err := b.charge(2*16*int64(n)+64, "set()"); err != nil {
			return nil, err
		}
	}
	switch len(args) {
	case 0:
	case 1:
		switch it := args[0].(type) {
		case *types.List:
			s.items = append(s.items, (*it)...)
		case *types.Tuple:
			s.items = append(s.items, (*it)...)
		default:
			return nil, fmt.Errorf("want a list, got %s", describe(args[0]))
		}
	default:
		return nil, fmt.Errorf("want at most 1 argument, got %d", len(args))
	}
	return s, nil
}

// newBytes is bytes()/bytearray(): no argument, a bytes argument, or
// (str, 'latin-1') as bytearray.__reduce_ex__ writes for protocol 0–2.
func newBytes(b *budget, args []any) (any, error) {
	switch len(args) {
	case 0:
		return []byte{}, nil
	case 1:
		var src []byte
		switch a := args[0].(type) {
		case []byte:
			src = a
		case *types.ByteArray:
			src = *a
		default:
			return nil, fmt.Errorf("unsupported arguments")
		}
		if err := b.charge(int64(len(src))+64, "bytes()"); err != nil {
			return nil, err
		}
		return append([]byte{}, src...), nil
	case 2:
		return callCodecsEncode(b, args)
	}
	return nil, fmt.Errorf("unsupported arguments")
}
