package engine

import (
	"context"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// mgetCmd is go-redis's MGet command without its allocation per key:
// converting a string to an interface copies the string's header to the
// heap (16 bytes), which for GetMany(100) was 100 of the client's ~700
// allocations and ~7% of its CPU. Here each argument is an interface of
// dynamic type string whose data word points at the key's own header in
// keys, which must not change while the command lives. Hooks, cluster
// routing and cmd.String() see ordinary string arguments.
func mgetCmd(ctx context.Context, keys []string) *redis.SliceCmd {
	args := make([]any, 1+len(keys))
	args[0] = "mget"
	boxStrings(args[1:], keys)
	return redis.NewSliceCmd(ctx, args...)
}

// eface is the layout of an empty interface in the gc runtime: a type word
// and a data word, which for a non-pointer type points at the value.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// stringType is the type word of an interface holding a string.
var stringType = func() unsafe.Pointer {
	var s any = ""
	return (*eface)(unsafe.Pointer(&s)).typ
}()

// boxInPlace reports whether building interfaces in place works with this
// runtime (checked once; if the interface layout ever changes, boxStrings
// converts each string the ordinary way).
var boxInPlace = func() bool {
	keys := []string{"cachegen:probe"}
	var args [1]any
	boxStringsInPlace(args[:], keys)
	s, ok := args[0].(string)
	return ok && s == keys[0] && unsafe.StringData(s) == unsafe.StringData(keys[0])
}()

// boxStrings sets args[i] to keys[i] for every i.
func boxStrings(args []any, keys []string) {
	if !boxInPlace {
		for i, k := range keys {
			args[i] = k
		}
		return
	}
	boxStringsInPlace(args, keys)
}

func boxStringsInPlace(args []any, keys []string) {
	for i := range keys {
		e := (*eface)(unsafe.Pointer(&args[i]))
		e.typ = stringType
		e.data = unsafe.Pointer(&keys[i])
	}
}
