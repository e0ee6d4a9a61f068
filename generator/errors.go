package generator

import (
	"cmp"
	"fmt"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// An Error is one problem found while loading or parsing, located in a
// source file.
type Error struct {
	Pos token.Position // Filename is absolute (or empty for errors without a position)
	Msg string

	pkg     string // import path of the package the loader reported it for
	typeErr bool   // a type error (of the type checker or the compiler)
}

// Error formats the error as file:line:col: message with the file name
// relative to the current directory.
func (e Error) Error() string {
	wd, _ := os.Getwd()
	return e.format(wd)
}

func (e Error) format(base string) string {
	pos := e.Pos
	if pos.Filename == "" {
		return "cachegen: " + e.Msg
	}
	pos.Filename = relPath(base, pos.Filename)
	if pos.Line == 0 {
		return pos.Filename + ": " + e.Msg
	}
	if pos.Column == 0 {
		return fmt.Sprintf("%s:%d: %s", pos.Filename, pos.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", pos.Filename, pos.Line, pos.Column, e.Msg)
}

// relPath returns path relative to base when that is shorter to read, and
// path unchanged otherwise. Both are expected to be absolute.
func relPath(base, path string) string {
	if base == "" || !filepath.IsAbs(path) {
		return path
	}
	rel, err := filepath.Rel(base, path)
	if err != nil {
		return path
	}
	return rel
}

// ErrorList is every error of a run, sorted by position. The generator
// reports all of them at once and writes nothing when the list is not
// empty.
type ErrorList []Error

// Error formats one error per line, relative to the current directory.
func (l ErrorList) Error() string {
	wd, _ := os.Getwd()
	return l.Format(wd)
}

// Format formats one error per line with file names relative to base.
func (l ErrorList) Format(base string) string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.format(base))
	}
	return b.String()
}

// add records an error at pos.
func (l *ErrorList) add(pos token.Position, format string, args ...any) {
	*l = append(*l, Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// sortDedup sorts the list by file, line, column and message and drops
// exact duplicates (go/packages may report one problem twice).
func (l ErrorList) sortDedup() ErrorList {
	slices.SortFunc(l, func(a, b Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b Error) bool {
		return a.Pos == b.Pos && a.Msg == b.Msg
	})
}
