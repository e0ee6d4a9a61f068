package engine

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

func TestS3FIFO(t *testing.T) {
	var epoch atomic.Uint64
	c := newS3FIFO[int](100)
	set := func(k string) { v := 1; c.set(k, &v, 0, 0, &epoch, epoch.Load()) }
	// A hot set, read a few times a round, survives scans of one-off keys
	// twice the cache's room.
	for round := range 50 {
		for range 3 {
			for i := range 50 {
				k := "hot" + strconv.Itoa(i)
				if _, ok := c.get(k); !ok {
					set(k)
				}
			}
		}
		for i := range 200 {
			set("cold" + strconv.Itoa(round*200+i))
		}
		if n := c.len(); n > 100 {
			t.Fatalf("round %d: %d entries in room for 100", round, n)
		}
	}
	kept := 0
	for i := range 50 {
		if _, ok := c.get("hot" + strconv.Itoa(i)); ok {
			kept++
		}
	}
	if kept < 45 {
		t.Fatalf("only %d of 50 hot keys kept against a scan of cold ones", kept)
	}
	// A moved epoch refuses the store; del and clear remove.
	v := 2
	c.set("late", &v, 0, 0, &epoch, epoch.Load()+1)
	if _, ok := c.get("late"); ok {
		t.Fatal("stored despite a moved epoch")
	}
	c.del("hot0")
	if _, ok := c.get("hot0"); ok {
		t.Fatal("del")
	}
	// Every way out of the index marks the entry dead: LocalIndex hits
	// by key parameter rely on it.
	e1, _ := c.get("hot1")
	c.del("hot1")
	e2, _ := c.get("hot2")
	c.clear()
	if c.len() != 0 || c.nSmall+c.nMain != 0 {
		t.Fatal("clear")
	}
	if !e1.dead.Load() || !e2.dead.Load() {
		t.Fatal("removed entries not marked dead")
	}
	set("r")
	e3, _ := c.get("r")
	set("r")
	if !e3.dead.Load() {
		t.Fatal("replaced entry not marked dead")
	}
	// Rewriting a few keys forever, never full: the FIFOs stay bounded.
	for i := range 100_000 {
		set("k" + strconv.Itoa(i%10))
	}
	if l := c.small.len() + c.main.len(); l > 3*10+2*64 {
		t.Fatalf("FIFOs hold %d slots for 10 live entries", l)
	}
}

// TestS3FIFOConcurrent: lock-free readers racing stores, removals, clears
// and index rebuilds only ever see an entry under its own key, and its own
// value (run with -race).
func TestS3FIFOConcurrent(t *testing.T) {
	var epoch atomic.Uint64
	c := newS3FIFO[string](64)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := "k" + strconv.Itoa((i+r)%200)
				if e, ok := c.get(k); ok && (e.key != k || *e.v != k) {
					t.Errorf("get(%q) = entry of %q holding %q", k, e.key, *e.v)
					return
				}
			}
		}()
	}
	for i := range 20_000 {
		k := "k" + strconv.Itoa(i%200)
		switch i % 7 {
		case 0:
			c.del(k)
		case 1:
			if i%700 == 1 {
				c.clear()
			}
		default:
			v := k
			c.set(k, &v, 0, 0, &epoch, epoch.Load())
		}
	}
	close(stop)
	wg.Wait()
}
