package log_test

import (
	"testing"

	zlog "zabkafka/log"
	"zabkafka/log/logtest"
)

// TestMemStoreConformance runs the Store contract against MemStore, whose
// crash forgets everything not synced.
func TestMemStoreConformance(t *testing.T) {
	logtest.Run(t, logtest.Harness{
		New: func(t *testing.T) zlog.Store { return zlog.NewMemStore() },
		Crash: func(t *testing.T, s zlog.Store) zlog.Store {
			m := s.(*zlog.MemStore)
			m.Crash()
			return m.Reopen()
		},
		Seeds: 50, // a MemStore seed costs microseconds
	})
}

// TestFileStoreConformance runs the Store contract against FileStore with
// tiny segments, so that rolling, multi-segment reads and whole-segment
// compaction are exercised on every case. Its crash is a close and
// reopen: the process dies, the operating system keeps its page cache.
func TestFileStoreConformance(t *testing.T) {
	opts := zlog.FileOptions{SegmentSize: 100}
	logtest.Run(t, logtest.Harness{
		New: func(t *testing.T) zlog.Store {
			s, err := zlog.OpenFileStore(t.TempDir(), opts)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Crash: func(t *testing.T, s zlog.Store) zlog.Store {
			fs := s.(*zlog.FileStore)
			_ = fs.Close()
			reopened, err := zlog.OpenFileStore(fs.Dir(), opts)
			if err != nil {
				t.Fatalf("reopen after crash: %v", err)
			}
			return reopened
		},
	})
}

// TestFileStoreConformanceLargeSegments runs the contract again with one
// segment holding everything, the default shape in production.
func TestFileStoreConformanceLargeSegments(t *testing.T) {
	logtest.Run(t, logtest.Harness{
		New: func(t *testing.T) zlog.Store {
			s, err := zlog.OpenFileStore(t.TempDir(), zlog.FileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Crash: func(t *testing.T, s zlog.Store) zlog.Store {
			fs := s.(*zlog.FileStore)
			_ = fs.Close()
			reopened, err := zlog.OpenFileStore(fs.Dir(), zlog.FileOptions{})
			if err != nil {
				t.Fatalf("reopen after crash: %v", err)
			}
			return reopened
		},
	})
}
