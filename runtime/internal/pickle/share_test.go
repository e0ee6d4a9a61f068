package pickle

import (
	"cmp"
	"math"
	"math/big"
	"reflect"
	"testing"
)

// TestSharedContainers: a list the memo shares is converted once in place
// and met again; its dicts and nested lists must still read the same.
func TestSharedContainers(t *testing.T) {
	// l = [{'a': 1, 'b': [1, 2]}]; pickle.dumps([l, l, l], protocol=4)
	data := mustHex(t, "80049522000000000000005d94285d947d94288c0161944b018c0162945d94284b014b0265756168016801652e")
	var v any
	if err := Codec().Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	l := []any{map[string]any{"a": int64(1), "b": []any{int64(1), int64(2)}}}
	if want := []any{l, l, l}; !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v, want %#v", v, want)
	}
	var typed [][]struct {
		A int
		B []int
	}
	if err := Codec().Unmarshal(data, &typed); err != nil || len(typed) != 3 || typed[2][0].B[1] != 2 {
		t.Fatalf("%v %+v", err, typed)
	}
}

func TestCompareNumbers(t *testing.T) {
	b65, _ := new(big.Int).SetString("36893488147419103232", 10) // 2^65
	nb65 := new(big.Int).Neg(b65)
	ordered := []any{math.NaN(), math.Inf(-1), nb65, int64(math.MinInt64), -1.5, int64(-1), 0.0, int64(1), 1.5,
		int64(math.MaxInt64), float64(1 << 63), uint64(1<<63 + 1), uint64(math.MaxUint64), float64(1 << 64), b65, math.Inf(1)}
	for i := range ordered {
		for j := range ordered {
			got := compareNumbers(ordered[i], ordered[j])
			want := cmp.Compare(i, j)
			if got != want {
				t.Errorf("compare(%v, %v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if compareNumbers(int64(3), 3.0) != 0 || compareNumbers(uint64(1<<63), float64(1<<63)) != 0 || compareNumbers(b65, float64(1<<65)) != 0 {
		t.Error("equal int and float must compare equal")
	}
	vs := make([]any, 0, 1<<16)
	for i := range 1 << 16 {
		vs = append(vs, int64((i*7919)%(1<<16)))
	}
	if n := testing.AllocsPerRun(1, func() { sortValues(vs) }); n > 4 {
		t.Errorf("sorting 65,536 ints allocated %v times", n)
	}
}
