package workbench

import (
	"context"
	"sync"
	"time"

	"zabkafka/tests/workbench/history"
	"zabkafka/tests/workbench/kafka"
	"zabkafka/tests/workbench/net"
)

// thread is one client worker as the runner sees it. Only the runner
// goroutine touches these fields; the worker goroutine only reads jobs.
type thread struct {
	index   int
	node    string // nodes[index mod N], fixed (J:interpreter.clj)
	process int    // index, then + concurrency after each info completion
	busy    bool
	inv     history.Op // the op in flight
	final   bool       // the op in flight belongs to the final phase
	jobs    chan job
}

// job is one op handed to a worker.
type job struct {
	req     kafka.Request
	process int
}

// completion is a worker's report of one finished op.
type completion struct {
	thread  int
	outcome kafka.Outcome
}

// conn is one network client as a worker uses it.
type conn interface {
	kafka.Conn
	Close()
}

// network is what the runner needs from the simulated network: fresh
// clients, partitions, process faults, and teardown. clusterNetwork adapts
// *net.Cluster; tests use an in-process fake. Kill, Pause and Resume
// return the nodes they acted on, Restart those it restarted.
type network interface {
	OpenClient() conn
	Partition(grudge map[string][]string)
	Heal()
	Kill(nodes []string) []string
	Pause(nodes []string) []string
	Resume(nodes []string) []string
	Restart(ctx context.Context, nodes []string) ([]string, error)
	SetRunStart(time.Time)
	Stop() error
}

// clusterNetwork is the real network.
type clusterNetwork struct{ *net.Cluster }

// OpenClient opens a fresh client with the next "c" id.
func (c clusterNetwork) OpenClient() conn { return c.Cluster.OpenClient() }

// worker performs one thread's ops in order. Like Jepsen's ClientWorker
// with a non-reusable client, it opens a fresh client (a new "c" id) for
// the first op and whenever the thread's process changed, closing the old
// one first (J:jepsen/src/jepsen/generator/interpreter.clj ClientWorker).
// It closes its client when jobs is closed.
func worker(ctx context.Context, t *thread, nw network, rpcTimeout time.Duration, done chan<- completion, wg *sync.WaitGroup) {
	defer wg.Done()
	var cn conn
	var client *kafka.Client
	process := -1
	defer func() {
		if cn != nil {
			cn.Close()
		}
	}()
	for j := range t.jobs {
		if cn == nil || j.process != process {
			if cn != nil {
				cn.Close()
			}
			cn = nw.OpenClient()
			client = kafka.NewClient(cn, t.node, rpcTimeout, net.IsTimeout)
			process = j.process
		}
		done <- completion{thread: t.index, outcome: client.Invoke(ctx, j.req)}
	}
}
