package generator

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseAnnotation(t *testing.T) {
	a, errs := parseAnnotation("key=tenant:{<TenantID>}:order:<Owner.ID> ttl=15m crypt codec=json name=Orders schema=off local=100 jitter=10")
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if a.TTL != 15*time.Minute || !a.Crypt || a.Codec != "json" || a.Name != "Orders" || !a.SchemaOff || a.Local != 100 || a.Jitter != 10 {
		t.Errorf("annotation = %+v", a)
	}
	var got []string
	for _, p := range a.Key.Parts {
		if p.Path != "" {
			got = append(got, "<"+p.Path+">")
		} else {
			got = append(got, p.Literal)
		}
	}
	if want := "tenant:{|<TenantID>|}:order:|<Owner.ID>"; strings.Join(got, "|") != want {
		t.Errorf("parts = %q, want %q", strings.Join(got, "|"), want)
	}
	if s := a.Key.special(); s != "" {
		t.Errorf("special = %q, want none beyond the runtime's own", s)
	}
}

func TestParseAnnotationErrors(t *testing.T) {
	for _, tc := range []struct {
		text string
		off  int
		msg  string
	}{
		{"", 0, "missing key=TEMPLATE"},
		{"key=a:<ID> ttl=1x", 15, "invalid ttl=1x"},
		{"key=a:<ID> ttl=999us", 15, "under 1ms"},
		{"key=a:<ID> ttl=1001us", 15, "not a whole number of milliseconds"},
		{"key=a:<ID> ttl=-1h", 15, "negative"},
		{"key=a:<ID> tll=1h", 11, "unknown option tll; did you mean ttl?"},
		{"key=a:<ID> kye=1", 11, "did you mean key?"},
		{"key=a:<ID> codec=msgpak", 17, "did you mean msgpack?"},
		{"key=a:<ID> codec=faster", 17, "did you mean fast?"},
		{"key=a:<ID> name=1x", 16, "not a Go identifier"},
		{"key=a:<ID> name=lower", 16, "must be exported"},
		{"key=a:<ID> crypt crypt", 17, "duplicate option crypt"},
		{"key=a:<ID> schema=on", 18, "only setting is schema=off"},
		{"key=a:<ID> local=-1", 17, "positive number"},
		{"key=a:<ID> jitter=x", 18, "percentage"},
		{"key=a:<ID> jitter=5", 11, "jitter= needs ttl="},
		{"key=a:<ID> ttl=0 jitter=5", 17, "jitter= needs ttl="},
		{"key=a:<ID", 6, "unclosed placeholder <ID"},
		{"key=a:<>", 6, "empty placeholder"},
		{"key=a:<1x>", 7, "invalid field path"},
		{"key=a:<A><B>", 9, "need a separator"},
		{"key=a:<A>b<B>", 9, "needs a non-alphanumeric character"},
		{"key=a>b:<A>", 5, "unexpected >"},
		{"key=a{b:<A>", 5, "unclosed {"},
		{"key=a}b:<A>", 5, "unbalanced }"},
		{"key=a:é<A>", 6, "printable ASCII"},
		{"key=static", 4, "no <Field> placeholder"},
		{"key", 0, "key needs a value"},
	} {
		_, errs := parseAnnotation(tc.text)
		found := false
		for _, e := range errs {
			if strings.Contains(e.Msg, tc.msg) {
				found = true
				if e.Off != tc.off {
					t.Errorf("%q: %q at offset %d, want %d", tc.text, e.Msg, e.Off, tc.off)
				}
			}
		}
		if !found {
			t.Errorf("%q: errors %v, want one containing %q", tc.text, errs, tc.msg)
		}
	}
}

func TestSpecial(t *testing.T) {
	a, errs := parseAnnotation("key=a_b.c-<X>/<Y>*x")
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if got, want := a.Key.special(), "*-./_"; got != want {
		t.Errorf("special = %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	fields := []string{"ID", "Email", "TenantID", "CreatedAt"}
	for in, want := range map[string]string{
		"Id": "ID", "id": "ID", "Emial": "Email", "Emali": "Email", "TenantId": "TenantID",
		"CreatedAtt": "CreatedAt", "Zzz": "", "Name": "", "X": "",
	} {
		if got := suggest(in, fields); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerCamelPlural(t *testing.T) {
	for in, want := range map[string]string{
		"ID": "id", "TenantID": "tenantID", "HTTPServer": "httpServer", "Email": "email",
		"URL": "url", "x": "x", "OwnerID": "ownerID", "A": "a",
	} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"id": "ids", "ownerID": "ownerIDs", "email": "emails", "address": "addresses",
		"category": "categories", "key": "keys", "box": "boxes",
	} {
		if got := plural(in); got != want {
			t.Errorf("plural(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePos(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b.go:3:4": "/a/b.go 3 4", "/a/b.go:3": "/a/b.go 3 0", "/a/b.go": "/a/b.go 0 0",
		"C:/x.go:1:2": "C:/x.go 1 2", "": " 0 0",
	} {
		p := parsePos(in)
		got := p.Filename + " " + strconv.Itoa(p.Line) + " " + strconv.Itoa(p.Column)
		if got != want {
			t.Errorf("parsePos(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseAnnotation checks that the annotation parser never panics and
// that what it accepts is consistent: offsets within the text, a key with
// at least one placeholder and no two placeholders adjacent.
func FuzzParseAnnotation(f *testing.F) {
	for _, s := range []string{
		"key=user:<ID> ttl=1h crypt",
		"key=user:email:<Email> name=UserByEmailCache codec=json",
		"key=tenant:{<TenantID>}:order:<ID> ttl=15m",
		"key=a:<Owner.ID>:<X> schema=off local=10 jitter=5",
		"key=a:<ID",
		"key=<A><B>",
		"ttl=1.5ms",
		"key=a:<>:x>",
		"key=a{{<X>}}",
		"codec=fast",
		" \t key=x:<é>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		a, errs := parseAnnotation(text)
		for _, e := range errs {
			if e.Off < 0 || e.Off > len(text) {
				t.Fatalf("error %q at offset %d outside [0,%d]", e.Msg, e.Off, len(text))
			}
			if e.Msg == "" {
				t.Fatal("empty message")
			}
		}
		if len(errs) > 0 {
			return
		}
		if a.Key == nil {
			t.Fatal("accepted without a key")
		}
		n := 0
		for i, p := range a.Key.Parts {
			if p.Path == "" {
				continue
			}
			n++
			if i > 0 && a.Key.Parts[i-1].Path != "" {
				t.Fatalf("adjacent placeholders accepted in %q", text)
			}
			if !strings.Contains(text, "<"+p.Path+">") {
				t.Fatalf("placeholder %q not in %q", p.Path, text)
			}
		}
		if n == 0 {
			t.Fatalf("key without placeholders accepted: %q", text)
		}
		if a.TTL < 0 || (a.TTL > 0 && a.TTL%time.Millisecond != 0) {
			t.Fatalf("bad ttl accepted: %v", a.TTL)
		}
	})
}
