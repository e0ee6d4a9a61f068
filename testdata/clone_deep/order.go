package models

import (
	"encoding/json"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Pair is generic; its instantiations are copied field by field.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Line is one line of an order.
type Line struct {
	SKU   string
	Attrs map[string][]string
	Prev  *Line
}

// Base is embedded.
type Base struct {
	Tags []string
}

// Counter holds locks, left zero in its copies.
type Counter struct {
	N    int
	Seen map[string]bool
	mu   sync.Mutex   `cache:"-"`
	hits atomic.Int64 `cache:"-"`
}

// cloneOrder is the user's own: the generated copy takes another name.
func cloneOrder() {}

// Order has fields of every shape the deep copy handles.
//
//cache:key=order:<ID> local=100
type Order struct {
	Base
	*Line
	ID      uuid.UUID
	When    time.Time
	Zone    *time.Location
	Lines   []Line
	Ptrs    []*Line
	Grid    [2][]int
	ByName  map[string]Line
	Nested  map[string]map[string]*int
	Raw     json.RawMessage
	Query   url.Values
	Pairs   []Pair[string, []byte]
	PairPtr *Pair[int, *Line]
	Anon    struct {
		Xs []float64
		P  *struct{ S []string }
	}
	Count   *int
	Flags   [3]bool
	OnLoad  func()        `cache:"-"`
	Done    chan struct{} `cache:"-"`
	Scratch []byte        `cache:"-"`
	Ctr     *Counter
	mu      sync.RWMutex `cache:"-"`
}

// m is declared in the package: generated code must not shadow it.
var m, k = 1, 2
