package codec

import (
	"errors"
	"testing"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
)

func TestGobValueTypes(t *testing.T) {
	type gobTypes struct {
		Date pyval.Date
		Zero pyval.Date // gob writes Date's exported fields, so zero is fine
		Ref  uuid.UUID
		Blob []byte
		Map  map[string]int
	}
	in := gobTypes{Date: pyval.Date{Year: 2025, Month: 1, Day: 2}, Ref: uuid.New(), Blob: []byte{1}, Map: map[string]int{"a": 1}}
	b, err := Gob().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out gobTypes
	if err := trustedGob().Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if d := diff(valueOf(in), valueOf(out)); d != "" {
		t.Fatal(d)
	}
}

// TestGobDecimal: gob ignores MarshalText (golang.org/issue/6760), so
// pyval.Decimal carries MarshalBinary/UnmarshalBinary for it.
func TestGobDecimal(t *testing.T) {
	in := struct{ D pyval.Decimal }{pyval.MustDecimal("1.50")}
	b, err := Gob().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ D pyval.Decimal }
	if err := trustedGob().Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("%v %+v", err, out)
	}
}

func TestGobRejects(t *testing.T) {
	var s struct{ A int }
	good, err := Gob().Marshal(struct{ A int }{1})
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"empty":          {},
		"trailing":       append(append([]byte{}, good...), 0x00),
		"truncated":      good[:len(good)-1],
		"huge count":     {0xfc, 0x3f, 0xff, 0xff, 0xff, 0x01},
		"bad uint":       {0xf0},
		"garbage":        []byte("not a gob stream at all"),
		"wrong type":     mustGob(t, "a string"),
		"trailing value": append(append([]byte{}, good...), good...),
	} {
		if err := trustedGob().Unmarshal(in, &s); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	var v any
	if err := trustedGob().Unmarshal(good, &v); err == nil {
		t.Error("concrete value into any: want an error")
	}
	if err := trustedGob().Unmarshal(good, s); err == nil {
		t.Error("non-pointer: want an error")
	}
	if _, err := Gob().Marshal(nil); err == nil {
		t.Error("Marshal(nil): want an error")
	}
}

func mustGob(t *testing.T, v any) []byte {
	b, err := Gob().Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// trustedGob is the gob codec as the crypt layer uses it: decoding
// authenticated plaintext.
func trustedGob() Codec { return authenticated{Gob()} }

type authenticated struct{ Codec }

func (a authenticated) Unmarshal(data []byte, v any) error {
	return UnmarshalAuthenticated(a.Codec, data, v)
}

// TestGobRefusesUnauthenticated: the gob codec's own Unmarshal decodes
// nothing, valid or not (issue 11: encoding/gob is not hardened).
func TestGobRefusesUnauthenticated(t *testing.T) {
	good, err := Gob().Marshal(user{ID: 1})
	if err != nil {
		t.Fatal(err)
	}
	var u user
	if err := Gob().Unmarshal(good, &u); !errors.Is(err, ErrGobUnauthenticated) || u.ID != 0 {
		t.Fatalf("Unmarshal: %v, %+v; want ErrGobUnauthenticated and nothing decoded", err, u)
	}
	if err := UnmarshalAuthenticated(Gob(), good, &u); err != nil || u.ID != 1 {
		t.Fatalf("UnmarshalAuthenticated: %v, %+v", err, u)
	}
	if !NeedsAuthentication(Gob()) || NeedsAuthentication(Msgpack()) || NeedsAuthentication(JSON()) || NeedsAuthentication(RickMsgpack()) {
		t.Fatal("NeedsAuthentication: only gob")
	}
}
