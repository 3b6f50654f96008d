//go:build tools

// Package tools pins mongo-tools (mongodump, mongorestore) for `scripts/setup.sh`, which builds them
// from this module: the Go proxy refuses `go install github.com/mongodb/mongo-tools/...@version`.
package tools

import (
	_ "github.com/mongodb/mongo-tools/mongodump/main"
	_ "github.com/mongodb/mongo-tools/mongorestore/main"
)
