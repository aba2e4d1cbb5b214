package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"zabkafka/tests/workbench"
)

func TestParseTestDefaultsAndForms(t *testing.T) {
	var usage bytes.Buffer
	o, err := parseTest([]string{"-w", "kafka", "--bin", "/bin/node", "--node-count", "3", "--concurrency", "2n",
		"--rate", "100", "--time-limit", "2.5", "--latency", "7", "--latency-dist", "uniform",
		"--nemesis", "partition", "--nemesis-interval", "3", "--seed", "99", "--args", "-v --x", "--", "pos"}, &usage)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, usage.String())
	}
	want := workbench.Options{
		Bin: "/bin/node", Args: []string{"-v", "--x", "pos"}, NodeCount: 3, Concurrency: 6, Rate: 100,
		TimeLimit: 2500 * time.Millisecond, Latency: 7 * time.Millisecond, LatencyDist: "uniform",
		Nemesis: []string{workbench.FaultPartition}, NemesisInterval: 3 * time.Second, Seed: 99, KeyCount: 10, MaxWritesPerKey: 16,
		StoreRoot: "store",
	}
	if o.Bin != want.Bin || strings.Join(o.Args, " ") != strings.Join(want.Args, " ") || o.NodeCount != want.NodeCount ||
		o.Concurrency != want.Concurrency || o.Rate != want.Rate || o.TimeLimit != want.TimeLimit ||
		o.Latency != want.Latency || o.LatencyDist != want.LatencyDist || !slices.Equal(o.Nemesis, want.Nemesis) ||
		o.NemesisInterval != want.NemesisInterval || o.Seed != want.Seed || o.KeyCount != want.KeyCount ||
		o.MaxWritesPerKey != want.MaxWritesPerKey || o.StoreRoot != want.StoreRoot {
		t.Fatalf("parsed %+v\nwant   %+v", o, want)
	}

	o, err = parseTest([]string{"--bin", "x", "--concurrency", "4"}, &usage)
	if err != nil || o.Concurrency != 4 || o.NodeCount != 5 || o.Rate != 5 || o.TimeLimit != time.Minute || o.Nemesis != nil {
		t.Fatalf("defaults: %+v, %v", o, err)
	}
	if o.Seed < 0 {
		t.Fatal("a random seed must be non-negative so it prints and replays")
	}
}

func TestParseTestRejects(t *testing.T) {
	cases := map[string][]string{
		"unknown flag":      {"--bin", "x", "--frobnicate"},
		"missing bin":       {"--rate", "1"},
		"bad concurrency":   {"--bin", "x", "--concurrency", "zn"},
		"zero concurrency":  {"--bin", "x", "--concurrency", "0"},
		"bad dist":          {"--bin", "x", "--latency-dist", "gaussian"},
		"uniform without":   {"--bin", "x", "--latency-dist", "uniform"},
		"bad nemesis":       {"--bin", "x", "--nemesis", "crash"},
		"bad workload":      {"--bin", "x", "-w", "lin-kv"},
		"negative rate":     {"--bin", "x", "--rate", "-1"},
		"zero time":         {"--bin", "x", "--time-limit", "0"},
		"bad seed":          {"--bin", "x", "--seed", "abc"},
		"bad availability":  {"--bin", "x", "--availability", "2"},
		"zero key count":    {"--bin", "x", "--key-count", "0"},
		"negative latency":  {"--bin", "x", "--latency", "-3"},
		"zero nemesis time": {"--bin", "x", "--nemesis-interval", "0"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			var usage bytes.Buffer
			if _, err := parseTest(args, &usage); err == nil {
				t.Fatalf("%v accepted", args)
			}
		})
	}
}

// TestParseNemesis: --nemesis is a comma-separated set of partition, kill
// and pause, with optional spaces, in any order and repeated at will; the
// options list each fault once, in a fixed order.
func TestParseNemesis(t *testing.T) {
	for arg, want := range map[string][]string{
		"kill":                   {"kill"},
		"pause":                  {"pause"},
		"partition,kill,pause":   {"partition", "kill", "pause"},
		"pause , kill,partition": {"partition", "kill", "pause"},
		"kill,kill":              {"kill"},
		"":                       nil,
		" ":                      nil,
	} {
		o, err := parseTest([]string{"--bin", "x", "--nemesis", arg}, &bytes.Buffer{})
		if err != nil || !slices.Equal(o.Nemesis, want) {
			t.Errorf("--nemesis %q: %v %v, want %v", arg, o.Nemesis, err, want)
		}
	}
}

// TestBadNemesisExits2: a bad --nemesis exits 2 with a message naming the
// problem and the valid faults, before anything runs.
func TestBadNemesisExits2(t *testing.T) {
	for arg, want := range map[string]string{
		"crash":            `unknown nemesis fault "crash"`,
		"partition,kil":    `unknown nemesis fault "kil"`,
		"Kill":             `unknown nemesis fault "Kill"`,
		"partition,,pause": "empty entry",
		",kill":            "empty entry",
		"kill,":            "empty entry",
		"partition;kill":   `unknown nemesis fault "partition;kill"`,
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), []string{"test", "--bin", "/nonexistent/node", "--nemesis", arg, "--store", t.TempDir()}, &out, &errOut, false)
		if code != 2 || !strings.Contains(errOut.String(), want) || !strings.Contains(errOut.String(), "partition, kill, pause") {
			t.Errorf("--nemesis %q: exit %d, stderr %q; want 2 and %q and the valid faults", arg, code, errOut.String(), want)
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"frob"}, &out, &errOut, false); code != 2 || !strings.Contains(errOut.String(), "test") {
		t.Fatalf("unknown command: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(ctx, []string{"test", "--bin", "x", "--bogus"}, &out, &errOut, false); code != 2 || !strings.Contains(errOut.String(), "bogus") {
		t.Fatalf("unknown flag: exit %d, %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(ctx, []string{"test", "-h"}, &out, &errOut, false); code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	errOut.Reset()
	code := run(ctx, []string{"test", "--bin", "/nonexistent/node", "--node-count", "1", "--store", t.TempDir()}, &out, &errOut, false)
	if code != 2 || !strings.Contains(errOut.String(), "workbench:") {
		t.Fatalf("a node that cannot start: exit %d, %q", code, errOut.String())
	}
}

func TestProgressLine(t *testing.T) {
	line := progressLine(workbench.Progress{Phase: "main", Elapsed: 1500 * time.Millisecond, TimeLimit: 20 * time.Second, OK: 10, Info: 2, Fail: 1, Partition: "majority",
		Down: []string{"n1", "n3"}, Paused: []string{"n0"}})
	for _, want := range []string{"main", "1.5/20s", "ok 10", "info 2", "fail 1", "majority", "down: n1 n3", "paused: n0"} {
		if !strings.Contains(line, want) {
			t.Fatalf("progress line %q lacks %q", line, want)
		}
	}
	var b bytes.Buffer
	c := newConsole(&b, true)
	c.Progress(workbench.Progress{Phase: "main"})
	c.Logf("hello")
	c.Done()
	if s := b.String(); !strings.Contains(s, "\r\033[K") || !strings.Contains(s, "hello\n") {
		t.Fatalf("console output %q", s)
	}
	b.Reset()
	nc := newConsole(&b, false)
	nc.Progress(workbench.Progress{Phase: "main"})
	if b.Len() != 0 {
		t.Fatal("no progress line when stderr is not a terminal")
	}
}
