package zab

import (
	"errors"
	"testing"

	"zabkafka/election"
)

func TestNewPeerRejectsBadConfigAndState(t *testing.T) {
	ok := Config{ID: 1, Peers: []PeerID{1, 2, 3}, Storage: &memStorage{}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
	}{
		{"id zero", func(c *Config) { c.ID = 0 }},
		{"id not among peers", func(c *Config) { c.ID = 4 }},
		{"peer id zero", func(c *Config) { c.Peers = []PeerID{0, 1} }},
		{"no storage", func(c *Config) { c.Storage = nil }},
		{"election ID set", func(c *Config) { c.Election.ID = 1 }},
		{"election voters set", func(c *Config) { c.Election.Voters = []PeerID{1, 2, 3} }},
		{"initial counter exhausted", func(c *Config) { c.InitialCounter = MaxCounter }},
		{"currentEpoch above acceptedEpoch", func(c *Config) { c.Storage = logOf(1, 2) }},
		{"log beyond acceptedEpoch", func(c *Config) { c.Storage = logOf(2, 2, MakeZxid(3, 1)) }},
	} {
		cfg := ok
		tc.edit(&cfg)
		if _, err := NewPeer(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", tc.name, err)
		}
	}
	if _, err := NewPeer(ok); err != nil {
		t.Fatalf("valid config: %v", err)
	}
}

func TestStepRejectsUnknownPeersAndMalformedMessages(t *testing.T) {
	c := newConv(t, 1, 3, logOf(0, 0))
	n := election.Notification{From: 3, To: 1}
	other := election.Notification{From: 2, To: 1}
	for _, tc := range []struct {
		name string
		m    Message
		want error
	}{
		{"from a non-voter", Message{Type: MsgPing, From: 9, To: 1}, ErrUnknownPeer},
		{"from itself", Message{Type: MsgPing, From: 1, To: 1}, ErrUnknownPeer},
		{"to another peer", Message{Type: MsgPing, From: 2, To: 3}, ErrUnknownPeer},
		{"unknown type", Message{Type: 99, From: 2, To: 1}, ErrInvalidMessage},
		{"zero type", Message{From: 2, To: 1}, ErrInvalidMessage},
		{"vote without a vote", Message{Type: MsgVote, From: 2, To: 1}, ErrInvalidMessage},
		{"vote from someone else", Message{Type: MsgVote, From: 2, To: 1, Vote: &n}, ErrInvalidMessage},
		{"valid vote", Message{Type: MsgVote, From: 2, To: 1, Vote: &other}, nil},
		{"leader message while looking: ignored", Message{Type: MsgProposal, From: 2, To: 1}, nil},
	} {
		if err := c.p.Step(tc.m); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}
