// Package version holds the build identity of oc-cnv, stamped at link time by the Makefile and
// goreleaser (-X flags), and reads Go's build info as a fallback for `go install` builds.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X github.com/oc-cnv/oc-cnv/pkg/version.version=...".
var (
	version = "v0.0.0-dev"
	commit  = ""
	date    = ""
)

// Info is what `oc cnv version` reports.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the identity of this build.
func Get() Info {
	i := Info{Version: version, Commit: commit, BuildDate: date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if i.Commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					i.Commit = s.Value
				case "vcs.time":
					if i.BuildDate == "" {
						i.BuildDate = s.Value
					}
				}
			}
		}
	}
	if i.Commit == "" {
		i.Commit = "unknown"
	}
	if i.BuildDate == "" {
		i.BuildDate = "unknown"
	}
	return i
}
