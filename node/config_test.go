package node

import (
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestConfigFlags: every flag lands in its field, and the defaults are
// valid.
func TestConfigFlags(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	c := DefaultConfig()
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.RegisterFlags(fs)
	err := fs.Parse([]string{"--tick", "5ms", "--init-limit", "7", "--sync-limit", "8", "--heartbeat", "2",
		"--resend", "3", "--batch-interval", "0", "--max-inflight", "9", "--data-dir", "/x",
		"--log-level", "debug", "--poll-cap", "11", "--hold", "300ms", "--request-timeout", "2s",
		"--lazy-fanout", "6", "--fanout-spare", "1", "--ack-hold", "3ms",
		"--max-batch-bytes", "65536", "--max-queue-bytes", "1048576",
		"--max-txns-per-message", "12", "--max-uncommitted", "77", "--election-finalize", "4", "--election-max-resend", "50"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Tick != 5*time.Millisecond || c.Zab.InitLimit != 7 || c.Zab.SyncLimit != 8 || c.Zab.HeartbeatTicks != 2 || c.Zab.ResendTicks != 3 ||
		c.BatchInterval != 0 || c.Zab.MaxInflight != 9 || c.DataDir != "/x" || c.LogLevel != slog.LevelDebug ||
		c.PollCap != 11 || c.HoldTimeout != 300*time.Millisecond || c.RequestTimeout != 2*time.Second ||
		c.Zab.LazyFanoutTicks != 6 || c.Zab.FanoutSpare != 1 || c.AckHold != 3*time.Millisecond ||
		c.MaxBatchBytes != 65536 || c.MaxQueueBytes != 1<<20 || c.Zab.MaxTxnsPerMessage != 12 || c.Zab.MaxUncommitted != 77 ||
		c.Zab.Election.FinalizeTicks != 4 || c.Zab.Election.MaxResendTicks != 50 {
		t.Fatalf("flags not applied: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestConfigValidate: each unusable setting is reported, by name.
func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		flag string
		mut  func(*Config)
	}{
		{"tick", func(c *Config) { c.Tick = 0 }},
		{"sync-limit", func(c *Config) { c.Zab.SyncLimit = -1 }},
		{"poll-cap", func(c *Config) { c.PollCap = 0 }},
		{"batch-interval", func(c *Config) { c.BatchInterval = -time.Millisecond }},
		// A reply after Maelstrom's 5 s client timeout can silence a node.
		{"request-timeout", func(c *Config) { c.RequestTimeout = 5 * time.Second }},
		{"request-timeout", func(c *Config) { c.RequestTimeout = lastReplyAge }},
		{"hold", func(c *Config) { c.HoldTimeout = c.RequestTimeout }},
		{"snapshot-every", func(c *Config) { c.SnapshotEvery = -1 }},
		{"dedupe window", func(c *Config) { c.DedupeWindow = 24 }},
		{"dedupe window", func(c *Config) { c.DedupeWindow = -16 }},
		{"lazy-fanout", func(c *Config) { c.Zab.LazyFanoutTicks = -1 }},
		{"fanout-spare", func(c *Config) { c.Zab.FanoutSpare = -1 }},
		{"ack-hold", func(c *Config) { c.AckHold = -time.Millisecond }},
		{"max-batch-bytes", func(c *Config) { c.MaxBatchBytes = MinBatchBytes - 1 }},
		{"max-batch-bytes", func(c *Config) { c.MaxBatchBytes = MaxBatchBytesLimit + 1 }},
		{"max-queue-bytes", func(c *Config) { c.MaxQueueBytes = c.MaxBatchBytes - 1 }},
	} {
		c := DefaultConfig()
		tc.mut(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%s: Validate() = %v", tc.flag, err)
		}
		if _, err := NewServer(c, nil, nil); err == nil {
			t.Errorf("%s: NewServer accepted an invalid config", tc.flag)
		}
	}
}
