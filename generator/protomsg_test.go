package generator

import (
	"go/types"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/cachegen/cachegen/internal/testmod"
)

// protoTypes loads a scratch package that imports the well-known protobuf
// types and returns its package-level types by name.
func protoTypes(t *testing.T) map[string]*types.Named {
	t.Helper()
	dir := testmod.New(t, "example.com/pb", map[string]string{"p/p.go": `package p

import (
	"google.golang.org/protobuf/types/known/apipb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type (
	API       = apipb.Api
	Value     = structpb.Value
	Struct    = structpb.Struct
	Timestamp = timestamppb.Timestamp
	Plain     struct{ Name string }
)
`})
	pkgs, err := packages.Load(&packages.Config{Mode: loadMode, Dir: dir, Env: testmod.Env()}, "./p")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("scratch package does not load")
	}
	out := map[string]*types.Named{}
	scope := pkgs[0].Types.Scope()
	for _, n := range scope.Names() {
		out[n] = types.Unalias(scope.Lookup(n).Type()).(*types.Named)
	}
	return out
}

func TestProtoShape(t *testing.T) {
	ts := protoTypes(t)
	for name, want := range map[string]bool{"API": true, "Value": true, "Timestamp": true, "Plain": false} {
		if got := isProtoMessage(ts[name]); got != want {
			t.Errorf("isProtoMessage(%s) = %v, want %v", name, got, want)
		}
	}
	for _, tc := range []struct {
		name string
		want []string // substrings, in order
	}{
		{"Timestamp", []string{
			"message google.golang.org/protobuf/types/known/timestamppb.Timestamp{1 seconds opt int64; 2 nanos opt int32}",
		}},
		{"API", []string{
			"message google.golang.org/protobuf/types/known/apipb.Api{1 name opt string; ",
			"2 methods rep message google.golang.org/protobuf/types/known/apipb.Method{1 name opt string; 2 request_type_url opt string; 3 request_streaming opt bool; ",
			// Option is reached from Method first, then again from Api.
			"6 options rep message google.golang.org/protobuf/types/known/typepb.Option{1 name opt string; 2 value opt message google.golang.org/protobuf/types/known/anypb.Any{1 type_url opt string; 2 value opt bytes}}; 7 syntax opt enum google.protobuf.Syntax",
			"3 options rep #2; 4 version opt string; ",
			"7 syntax opt enum google.protobuf.Syntax; 8 edition opt string}",
		}},
		{"Value", []string{
			"{oneof kind{1 null_value opt enum google.protobuf.NullValue; 2 number_value opt double; 3 string_value opt string; 4 bool_value opt bool; ",
			"5 struct_value opt message google.golang.org/protobuf/types/known/structpb.Struct{1 fields rep map<string, #0>}; 6 list_value opt message google.golang.org/protobuf/types/known/structpb.ListValue{1 values rep #0}}}",
		}},
	} {
		got := protoShape(ts[tc.name])
		rest := got
		for _, w := range tc.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("protoShape(%s) lacks %q (in order)\ngot %s", tc.name, w, got)
				break
			}
			rest = rest[i+len(w):]
		}
	}
}
