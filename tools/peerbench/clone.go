package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// cloneDir makes dst a fresh copy of the engine directory src. With
// linkTables, sorted string tables (*.sst) are hard-linked: Pebble (raw,
// and under tierkv) writes a table once, then only reads and finally
// unlinks it. Badger may not share them: it truncates a table file to zero
// before deleting it, which through a link would empty the template. Every
// other file (manifests, logs, options, locks) is copied, so nothing a run
// writes reaches the template; checkTemplate verifies that.
func cloneDir(src, dst string, linkTables bool) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case linkTables && strings.HasSuffix(d.Name(), ".sst"):
			return os.Link(path, target)
		}
		return copyFile(path, target)
	})
}

// fileSizes maps every regular file under dir to its size.
func fileSizes(dir string) (map[string]int64, error) {
	m := map[string]int64{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			m[path] = info.Size()
		}
		return err
	})
	return m, err
}

// checkTemplate fails if a file of the template changed size or vanished
// since want was taken: a run reached the template through a link.
func checkTemplate(dir string, want map[string]int64) error {
	got, err := fileSizes(dir)
	if err != nil {
		return err
	}
	for path, size := range want {
		if got[path] != size {
			return fmt.Errorf("template file %s changed size: %d, was %d", path, got[path], size)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// dirSize returns the bytes of the regular files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}
