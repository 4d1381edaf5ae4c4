package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The layout of a kubelet Secret volume (kubernetes pkg/volume/util/atomic_writer.go): every
// file is a symlink into ..data, which points at a timestamped directory holding the payload.
// An update writes a new directory and swaps ..data with one rename, so a reader never sees
// half of an update, and a watcher of the directory (virt-api's FileCertificateManager uses
// fsnotify on it) gets an event for the swap.
const (
	dataDir     = "..data"
	dataDirTemp = "..data_tmp"
)

// writeVolume makes dir hold exactly files, as the kubelet updates a Secret volume. It writes
// nothing and reports false when dir holds them already.
func writeVolume(dir string, files map[string][]byte) (bool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	old, _ := os.Readlink(filepath.Join(dir, dataDir))
	if old != "" && sameFiles(filepath.Join(dir, old), files) {
		return false, nil
	}
	ts, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, err
	}
	for name, data := range files {
		if strings.HasPrefix(name, "..") || strings.ContainsRune(name, '/') {
			return false, fmt.Errorf("file name %q cannot be written to a volume", name)
		}
		// Secret material: readable by this user only (the kubelet's default mode is wider).
		if err := os.WriteFile(filepath.Join(ts, name), data, 0o600); err != nil {
			return false, err
		}
	}
	tmp := filepath.Join(dir, dataDirTemp)
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		return false, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, dataDir)); err != nil {
		return false, err
	}
	for name := range files {
		link := filepath.Join(dir, name)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join(dataDir, name), link); err != nil {
				return false, err
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true, err
	}
	for _, e := range entries {
		if _, keep := files[e.Name()]; !keep && !strings.HasPrefix(e.Name(), "..") {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if old != "" && old != filepath.Base(ts) {
		_ = os.RemoveAll(filepath.Join(dir, old))
	}
	return true, nil
}

func sameFiles(dir string, files map[string][]byte) bool {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != len(files) {
		return false
	}
	for name, data := range files {
		have, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(have, data) {
			return false
		}
	}
	return true
}
