// Package fuzzcorpus keeps the committed seed corpora of fuzz targets
// (testdata/fuzz/<FuzzName>/, Go's corpus file format) equal to the seeds
// the tests define, for the fuzz tests of the codecs. A test calls Check
// with the files it wants; under -update (which the package's go:generate
// directive passes) the files are rewritten instead, so regenerating is a
// command and an ordinary test run checks the corpus rather than skipping.
package fuzzcorpus

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Encode returns data as a corpus file of a func(*testing.T, []byte) target.
func Encode(data []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
}

// Decode returns the []byte argument of a corpus file written by Encode.
func Decode(file []byte) ([]byte, error) {
	body, ok := bytes.CutPrefix(file, []byte("go test fuzz v1\n[]byte("))
	body, ok2 := bytes.CutSuffix(body, []byte(")\n"))
	if !ok || !ok2 {
		return nil, errors.New("not a corpus file of one []byte")
	}
	s, err := strconv.Unquote(string(body))
	return []byte(s), err
}

// Corpus describes the seed files of one fuzz target.
type Corpus struct {
	// Dir is the corpus directory, e.g. testdata/fuzz/FuzzPickle.
	Dir string
	// Want maps file names to their seed data.
	Want map[string][]byte
	// Owned reports whether a file name is one of these seeds' names. Other
	// files (inputs the fuzzer found, with its own names) are left alone.
	Owned func(name string) bool
	// Same reports whether a committed seed is as good as the wanted one;
	// nil means byte equality. (An encoder whose output order varies from
	// run to run compares decoded values.)
	Same func(committed, want []byte) bool
	// Regenerate is the command that rewrites the corpus, for messages.
	Regenerate string
}

// Check compares the committed corpus with c.Want, or with update rewrites
// it: every wanted file written, owned files no longer wanted removed.
func Check(t testing.TB, c Corpus, update bool) {
	t.Helper()
	entries, err := os.ReadDir(c.Dir)
	if err != nil && !(update && errors.Is(err, os.ErrNotExist)) {
		t.Fatal(err)
	}
	if update {
		if err := os.MkdirAll(c.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if _, ok := c.Want[e.Name()]; !ok && c.Owned(e.Name()) {
				if err := os.Remove(filepath.Join(c.Dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, data := range c.Want {
			if err := os.WriteFile(filepath.Join(c.Dir, name), Encode(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	var problems []string
	for _, e := range entries {
		if _, ok := c.Want[e.Name()]; !ok && c.Owned(e.Name()) {
			problems = append(problems, e.Name()+": no longer a seed")
		}
	}
	for name, want := range c.Want {
		file, err := os.ReadFile(filepath.Join(c.Dir, name))
		if err != nil {
			problems = append(problems, name+": missing")
			continue
		}
		got, err := Decode(file)
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		case c.Same == nil && !bytes.Equal(got, want), c.Same != nil && !c.Same(got, want):
			problems = append(problems, name+": differs from the seed")
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		t.Errorf("%s is not the current seed corpus (run %s):\n\t%s", c.Dir, c.Regenerate, strings.Join(problems, "\n\t"))
	}
}
