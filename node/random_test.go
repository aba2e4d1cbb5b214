package node

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"testing"
)

// TestRandomPartitions runs five in-process nodes under random partitions
// (one-way and two-way cuts of random groups, healed and re-cut) while
// sends arrive at random nodes. Afterwards the network heals and every
// request has had its deadline. Checked: every request got exactly one
// answer, none after its deadline; every acknowledged send is at its
// offset on every replica; replicas hold identical, dense logs; and no
// send refused with a definite error was ever applied.
//
// Each seed prints itself; NODE_SEED=<n> replays one.
func TestRandomPartitions(t *testing.T) {
	seeds := []int64{1, 2, 3}
	if s := os.Getenv("NODE_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("NODE_SEED: %v", err)
		}
		seeds = []int64{n}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { randomPartitions(t, seed) })
	}
}

func randomPartitions(t *testing.T, seed int64) {
	t.Logf("seed %d (replay: NODE_SEED=%d go test -run TestRandomPartitions ./node/)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	cfg := testConfig()
	cfg.Seed = seed
	cfg.SnapshotEvery = 25
	c := newCluster(t, 5, cfg)
	keys := []string{"a", "b", "c"}

	type sent struct {
		client string
		id     int
		key    string
		msg    int64
	}
	var reqs []sent
	nextChange := 100
	for tick := 0; tick < 1500; tick++ {
		if tick == nextChange {
			c.heal()
			if rng.Intn(3) > 0 {
				c.randomCut(rng)
			}
			nextChange += 50 + rng.Intn(250)
		}
		if rng.Intn(3) == 0 {
			msg := int64(len(reqs))
			client := fmt.Sprintf("c%d", 100+len(reqs))
			key := keys[rng.Intn(len(keys))]
			id := c.request(client, c.names[rng.Intn(len(c.names))], map[string]any{"type": "send", "key": key, "msg": msg})
			reqs = append(reqs, sent{client, id, key, msg})
		}
		c.step()
	}
	c.heal()
	c.until("one leader after the heal", 2000, func() bool { return c.leader() != "" })
	for i := 0; i < int(cfg.RequestTimeout/cfg.Tick)+5; i++ {
		c.step()
	}
	c.until("replicas converged", 500, c.converged)

	var acks []ack
	refused := map[int64]bool{}
	for _, r := range reqs {
		m, ok := c.reply(r.client, r.id)
		if !ok {
			t.Fatalf("send %+v never answered", r)
		}
		switch code, _ := m.intField("code"); {
		case m.typ() == "send_ok":
			off, _ := m.intField("offset")
			acks = append(acks, ack{r.key, r.msg, off})
		case code == 11:
			refused[r.msg] = true
		case code != 0:
			t.Fatalf("unexpected answer %s", m.Line)
		}
	}
	if len(acks) == 0 {
		t.Fatal("nothing was acknowledged: the run proves nothing")
	}
	c.checkAcks(acks, keys)
	c.checkDeadlines()
	for _, key := range keys {
		for _, m := range c.srv[c.names[0]].kafka.Poll(key, 0, 1<<20) {
			if refused[m.Msg] {
				t.Fatalf("send %d was refused with a definite error but applied at %s/%d", m.Msg, key, m.Offset)
			}
		}
	}
	t.Logf("%d sends: %d acknowledged, %d refused definitely, %d indefinite", len(reqs), len(acks), len(refused), len(reqs)-len(acks)-len(refused))
}

// randomCut isolates a random group of nodes from the rest, both ways or
// only one way.
func (c *cluster) randomCut(rng *rand.Rand) {
	perm := rng.Perm(len(c.names))
	size := 1 + rng.Intn(len(c.names)/2+1)
	inGroup := map[string]bool{}
	for _, i := range perm[:size] {
		inGroup[c.names[i]] = true
	}
	oneWay := rng.Intn(3) == 0
	for _, a := range c.names {
		for _, b := range c.names {
			if inGroup[a] && !inGroup[b] {
				c.cut[a][b] = true // a does not hear b
				if !oneWay {
					c.cut[b][a] = true
				}
			}
		}
	}
}
