package generator

import (
	"fmt"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"time"
)

// directive is the comment prefix of an annotation line.
const directive = "//cache:"

// annotation is one //cache: line parsed without type information. All
// offsets are byte offsets into the text after "//cache:".
type annotation struct {
	Key       *keyTemplate
	KeyOff    int
	TTL       time.Duration
	Crypt     bool
	Codec     string // "" means the default
	CodecOff  int
	Name      string // "" means <Type>Cache
	NameOff   int
	SchemaOff bool
	Local     int
	Jitter    int
	JitterOff int
	Refresh   time.Duration
	RefOff    int    // offset of refresh='s value
	RefText   string // refresh='s value as written, for messages
}

// keyTemplate is the value of key=.
type keyTemplate struct {
	Text  string
	Parts []templatePart
}

// templatePart is literal text, or a placeholder when Path != "".
type templatePart struct {
	Literal string
	Path    string // field path, e.g. "Owner.ID"
	Off     int    // offset of the first byte of the part (of the path for placeholders)
}

// synError is a syntax error at an offset into the annotation text.
type synError struct {
	Off int
	Msg string
}

// options lists the annotation tokens, in the order messages show them.
var options = []string{"key", "ttl", "crypt", "codec", "name", "schema", "local", "jitter", "refresh"}

// codecs lists the values accepted by codec=.
var codecs = []string{"msgpack", "json", "gob", "rick-msgpack", "pickle", "fast", "proto", "custom"}

// parseAnnotation parses the text after "//cache:". It never panics; every
// problem is returned as a synError, in order of offset.
func parseAnnotation(text string) (annotation, []synError) {
	var (
		a        annotation
		errs     []synError
		seen     = map[string]bool{}
		codecOff int
	)
	fail := func(off int, format string, args ...any) {
		errs = append(errs, synError{off, fmt.Sprintf(format, args...)})
	}
	for off := 0; off < len(text); {
		if text[off] == ' ' || text[off] == '\t' {
			off++
			continue
		}
		end := off
		for end < len(text) && text[end] != ' ' && text[end] != '\t' {
			end++
		}
		tok := text[off:end]
		name, value, hasValue := strings.Cut(tok, "=")
		valOff := off + len(name) + 1
		start := off
		off = end

		if !isOption(name) {
			if s := suggest(name, options); s != "" {
				fail(start, "unknown option %s; did you mean %s?", quoteTok(name), s)
			} else {
				fail(start, "unknown option %s (want one of %s)", quoteTok(name), strings.Join(options, ", "))
			}
			continue
		}
		if seen[name] {
			fail(start, "duplicate option %s", name)
			continue
		}
		seen[name] = true
		if name == "crypt" {
			if hasValue {
				fail(start, "crypt takes no value")
			}
			a.Crypt = true
			continue
		}
		if !hasValue || value == "" {
			fail(start, "%s needs a value: %s=%s", name, name, optionMeta(name))
			continue
		}
		switch name {
		case "key":
			t, terrs := parseTemplate(value, valOff)
			errs = append(errs, terrs...)
			a.Key, a.KeyOff = t, start
		case "ttl":
			d, msg := parseTTL(value)
			if msg != "" {
				fail(valOff, "%s", msg)
			}
			a.TTL = d
		case "codec":
			if !slices.Contains(codecs, value) {
				if s := suggest(value, codecs); s != "" {
					fail(valOff, "unknown codec=%s; did you mean %s?", value, s)
				} else {
					fail(valOff, "unknown codec=%s (want one of %s)", value, strings.Join(codecs, ", "))
				}
			}
			a.Codec, a.CodecOff, codecOff = value, valOff, valOff
		case "name":
			switch {
			case !token.IsIdentifier(value):
				fail(valOff, "name=%s is not a Go identifier", value)
			case !token.IsExported(value):
				fail(valOff, "name=%s must be exported (start with an upper-case letter)", value)
			}
			a.Name, a.NameOff = value, valOff
		case "schema":
			if value != "off" {
				fail(valOff, "schema=%s: the only setting is schema=off", value)
			}
			a.SchemaOff = true
		case "local":
			n, err := strconv.Atoi(value)
			if err != nil || n <= 0 {
				fail(valOff, "local=%s: want a positive number of entries", value)
			}
			a.Local = n
		case "jitter":
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 || n > 100 {
				fail(valOff, "jitter=%s: want a whole percentage from 0 to 100", value)
			}
			a.Jitter, a.JitterOff = n, start
		case "refresh":
			d, msg := parseTTL(value)
			msg = strings.Replace(msg, "ttl=", "refresh=", 1)
			if msg == "" && d == 0 {
				msg = "invalid refresh=0: want a positive duration under ttl"
			}
			if msg != "" {
				fail(valOff, "%s", msg)
				continue
			}
			a.Refresh, a.RefOff, a.RefText = d, valOff, value
		}
	}
	// refresh= reloads a value once it is older than refresh, which needs a
	// default TTL to measure the age against, and a refresh under it.
	switch {
	case a.Refresh == 0, slices.ContainsFunc(errs, func(e synError) bool { return strings.HasPrefix(e.Msg, "invalid ttl=") }):
	case !seen["ttl"]:
		fail(a.RefOff, "refresh=%s needs ttl= (the age is measured against the default TTL)", a.RefText)
	case a.TTL == 0:
		fail(a.RefOff, "refresh=%s needs a ttl= above 0 (ttl=0 never expires)", a.RefText)
	case a.Refresh >= a.TTL:
		fail(a.RefOff, "refresh=%s must be under ttl=%v", a.RefText, a.TTL)
	}
	if !seen["key"] {
		fail(0, "missing key=TEMPLATE")
	}
	if seen["jitter"] && a.TTL == 0 && !slices.ContainsFunc(errs, func(e synError) bool { return strings.HasPrefix(e.Msg, "invalid ttl=") }) {
		fail(a.JitterOff, "jitter= needs ttl=: it spreads the default expiry, and without ttl= there is none")
	}
	if a.Codec == "gob" && !a.Crypt {
		// The runtime refuses it too (issue 11): encoding/gob is not
		// hardened against hostile bytes, so gob reads only what crypt
		// has authenticated.
		fail(codecOff, "codec=gob needs crypt: encoding/gob is not hardened against hostile input, so gob values must be authenticated (add crypt, or choose another codec)")
	}
	slices.SortStableFunc(errs, func(x, y synError) int { return x.Off - y.Off })
	return a, errs
}

func isOption(name string) bool { return slices.Contains(options, name) }

// quoteTok shows a token in a message, quoted only when it would be hard to
// read bare.
func quoteTok(s string) string {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return strconv.Quote(s)
		}
	}
	return s
}

func optionMeta(name string) string {
	switch name {
	case "key":
		return "TEMPLATE"
	case "ttl":
		return "DURATION"
	case "codec":
		return strings.Join(codecs, "|")
	case "name":
		return "IDENT"
	case "schema":
		return "off"
	case "local":
		return "SIZE"
	case "jitter":
		return "PERCENT"
	case "refresh":
		return "DURATION"
	}
	return "VALUE"
}

// parseTTL checks a ttl= value: a time.ParseDuration string, 0 for no
// expiry, otherwise a whole number of milliseconds of at least 1ms.
func parseTTL(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return 0, fmt.Sprintf("invalid ttl=%s: want a duration such as 30s, 15m or 1h", quoteTok(s))
	case d < 0:
		return 0, fmt.Sprintf("invalid ttl=%s: negative", s)
	case d == 0:
		return 0, ""
	case d < time.Millisecond:
		return 0, fmt.Sprintf("invalid ttl=%s: under 1ms (Redis expiry has millisecond resolution)", s)
	case d%time.Millisecond != 0:
		return 0, fmt.Sprintf("invalid ttl=%s: not a whole number of milliseconds", s)
	}
	return d, ""
}

// parseTemplate splits a key template into literal text and placeholders.
// off is the offset of the template in the annotation text.
func parseTemplate(s string, off int) (*keyTemplate, []synError) {
	var errs []synError
	fail := func(at int, format string, args ...any) {
		errs = append(errs, synError{off + at, fmt.Sprintf(format, args...)})
	}
	t := &keyTemplate{Text: s}
	lit, litStart := "", 0
	flush := func() {
		if lit != "" {
			t.Parts = append(t.Parts, templatePart{Literal: lit, Off: off + litStart})
			lit = ""
		}
	}
	depth, braceAt := 0, 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			end := strings.IndexAny(s[i+1:], "<>")
			if end < 0 || s[i+1+end] == '<' {
				if end < 0 {
					end = len(s) - i - 1
				}
				fail(i, "unclosed placeholder %s", quoteTok(s[i:i+1+end]))
				i += 1 + end
				continue
			}
			path := s[i+1 : i+1+end]
			switch {
			case path == "":
				fail(i, "empty placeholder <>")
			case !validPath(path):
				fail(i+1, "invalid field path <%s>", quoteTok(path))
			default:
				flush()
				t.Parts = append(t.Parts, templatePart{Path: path, Off: off + i + 1})
			}
			i += end + 2
			litStart = i
			continue
		case c == '>':
			fail(i, "unexpected > outside a placeholder")
		case c < '!' || c > '~':
			fail(i, "key template may contain only printable ASCII outside placeholders")
			// Skip the whole rune so one character gives one error.
			i += runeLen(s[i:])
			continue
		case c == '{':
			if depth > 0 {
				fail(i, "nested { in key template: a hash tag is {...}")
			}
			depth++
			braceAt = i
		case c == '}':
			if depth == 0 {
				fail(i, "unbalanced } in key template")
			} else {
				depth--
			}
		}
		if lit == "" {
			litStart = i
		}
		lit += string(c)
		i++
	}
	if depth > 0 {
		fail(braceAt, "unclosed { in key template")
	}
	flush()

	n := 0
	for i, p := range t.Parts {
		if p.Path == "" {
			continue
		}
		n++
		if i == 0 || t.Parts[i-1].Path == "" {
			if i >= 2 && t.Parts[i-2].Path != "" && alnumOnly(t.Parts[i-1].Literal) {
				errs = append(errs, synError{t.Parts[i-1].Off, fmt.Sprintf(
					"the text %q between <%s> and <%s> needs a non-alphanumeric character: the key would be ambiguous",
					t.Parts[i-1].Literal, t.Parts[i-2].Path, p.Path)})
			}
			continue
		}
		errs = append(errs, synError{p.Off - 1, fmt.Sprintf(
			"placeholders <%s> and <%s> need a separator: the key would be ambiguous", t.Parts[i-1].Path, p.Path)})
	}
	if n == 0 && len(errs) == 0 {
		errs = append(errs, synError{off, "key template has no <Field> placeholder"})
	}
	return t, errs
}

func runeLen(s string) int {
	for i := range s {
		if i > 0 {
			return i
		}
	}
	return len(s)
}

func validPath(p string) bool {
	for part := range strings.SplitSeq(p, ".") {
		if !token.IsIdentifier(part) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func alnumOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// special returns the characters that string parts of t must escape beyond
// the runtime's own set (%, :, {, }): every other non-alphanumeric
// character of the literal text, sorted.
func (t *keyTemplate) special() string {
	var set [128]bool
	for _, p := range t.Parts {
		for i := 0; i < len(p.Literal); i++ {
			if c := p.Literal[i]; c < 128 && !isAlnum(c) && !strings.ContainsRune(runtimeEscaped, rune(c)) {
				set[c] = true
			}
		}
	}
	var b strings.Builder
	for c, ok := range set {
		if ok {
			b.WriteByte(byte(c))
		}
	}
	return b.String()
}

// runtimeEscaped are the characters runtime.EscapeKey always escapes.
const runtimeEscaped = "%:{}"
