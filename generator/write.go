package generator

import (
	"errors"
	"os"
	"path/filepath"
)

// Write brings every stale file up to date: it writes generated content
// atomically (a temporary file in the same directory, then a rename) and
// removes generated files whose package lost its annotations. Files whose
// bytes are already right are not touched. It returns the files it
// changed.
func Write(files []*File) ([]*File, error) {
	var changed []*File
	var errs []error
	for _, f := range files {
		if !f.Stale() {
			continue
		}
		var err error
		if f.Content == nil {
			err = os.Remove(f.Path)
		} else {
			err = writeAtomic(f.Path, f.Content)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		changed = append(changed, f)
	}
	return changed, errors.Join(errs...)
}

// writeAtomic replaces path with data so that readers see the old or the
// new content, never a mix. A new file gets mode 0644; an existing one
// keeps its mode.
func writeAtomic(path string, data []byte) (err error) {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
