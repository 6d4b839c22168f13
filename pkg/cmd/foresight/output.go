package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// pendingFile is an output file being written under a temporary name beside its
// destination. commit renames it into place, which is atomic within a directory, so the
// destination holds either its old content or the complete new one, never half of it.
type pendingFile struct {
	*os.File
	dest string
	done bool
}

// createPending starts an output destined for path.
func createPending(path string) (*pendingFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &pendingFile{File: f, dest: path}, nil
}

// commit flushes the file to disk and renames it to its destination.
func (p *pendingFile) commit() error {
	// The temporary file is private (0600); give the result the mode of the file it
	// replaces, or the usual 0644 for a new one.
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(p.dest); err == nil {
		mode = fi.Mode().Perm()
	}
	err := errors.Join(p.Chmod(mode), p.Sync(), p.Close())
	if err == nil {
		err = os.Rename(p.Name(), p.dest)
	}
	if err != nil {
		p.discard()
		return fmt.Errorf("write %s: %w", p.dest, err)
	}
	p.done = true
	return nil
}

// discard removes the temporary file unless it was committed; safe to call more than once,
// so callers defer it right after createPending.
func (p *pendingFile) discard() {
	if p.done {
		return
	}
	p.done = true
	p.Close()
	os.Remove(p.Name())
}
