package invariants

import (
	"fmt"

	"zabkafka/zab"
)

// Rule names one checked property. The values are stable strings so a
// test can match on them and a log line can be grepped.
type Rule string

// The rules. The first seven are the Zab paper's properties (DSN 2011;
// in brackets their names in Zab.tla, the TLA+ specification of the
// paper in apache/zookeeper's zookeeper-specifications/protocol-spec);
// the rest are cheaper invariants of our own
// (docs/companion.md#safety-properties lists them all).
const (
	// RuleIntegrity: every delivered (zxid, value) was broadcast with that
	// value [Integrity].
	RuleIntegrity Rule = "integrity"
	// RuleTotalOrder: if a sequence has a before b, every sequence holding
	// b holds a earlier [TotalOrder]. Diagnostic form, see TotalOrder.
	RuleTotalOrder Rule = "total-order"
	// RuleAgreement: for a in S and b in T, a is in T or b is in S
	// [Agreement]. Diagnostic form, see Agreement.
	RuleAgreement Rule = "agreement"
	// RulePrefix: every delivery sequence is a prefix of the canonical
	// committed sequence. The primary form of total order and agreement,
	// and of "a committed transaction is never lost or moved".
	RulePrefix Rule = "prefix"
	// RuleLocalPrimaryOrder: within one epoch, delivery follows the
	// leader's broadcast order without gaps [LocalPrimaryOrder]; a
	// leader's broadcasts of one epoch have contiguous counters.
	RuleLocalPrimaryOrder Rule = "local-primary-order"
	// RuleGlobalPrimaryOrder: epochs never go backwards within a sequence
	// [GlobalPrimaryOrder].
	RuleGlobalPrimaryOrder Rule = "global-primary-order"
	// RulePrimaryIntegrity: a transaction of an epoch older than e that
	// anyone delivers was delivered by e's leader before its first
	// broadcast (it is in Init[e]) [PrimaryIntegrity].
	RulePrimaryIntegrity Rule = "primary-integrity"
	// RuleCommittedLost: a transaction delivered somewhere is missing from
	// a later leader's initial history.
	RuleCommittedLost Rule = "committed-lost"
	// RuleOneLeaderPerEpoch: at most one peer establishes each epoch, and
	// only that peer broadcasts in it [Leadership1/2].
	RuleOneLeaderPerEpoch Rule = "one-leader-per-epoch"
	// RuleZxidUnique: no zxid carries two different values, in B, in any
	// delivery sequence or in any durable log.
	RuleZxidUnique Rule = "zxid-unique"
	// RuleCounterRange: no transaction has counter 0 or 0xffffffff
	// (ZOOKEEPER-1277; docs/bugs.md#zookeeper-1277-the-zxid-counter-runs-out).
	RuleCounterRange Rule = "counter-range"
	// RuleEpochMonotonic: a peer's durable acceptedEpoch and currentEpoch
	// never decrease, across restarts too, and current <= accepted.
	RuleEpochMonotonic Rule = "epoch-monotonic"
	// RuleEpochLogOrder: at rest, the epoch of a peer's last durable zxid
	// is at most its acceptedEpoch. (QuorumPeer.loadDataBase demands at
	// most currentEpoch, but a crash between a multi-epoch sync and the
	// currentEpoch write legally breaks that; see zab.NewPeer.)
	RuleEpochLogOrder Rule = "epoch-log-order"
	// RuleLogPrefix: two durable logs agree on everything up to the last
	// zxid they share, and each log is strictly increasing.
	RuleLogPrefix Rule = "log-prefix"
	// RuleConvergence: after heal and quiescence every live peer has
	// delivered the whole canonical sequence.
	RuleConvergence Rule = "convergence"

	// The durability rules, checked with TrackDisks at every durable
	// write and every message rather than at the end of a run: a lost
	// commitment shows where it happens, even if no later leader ever
	// exposes it.

	// RuleCommittedRemoved: no peer's durable log ever loses an entry
	// that is committed in the checker's own terms (delivered anywhere,
	// or durable on a quorum while their acceptedEpoch was its epoch; see
	// Checker.Disk), except into a snapshot that covers it.
	RuleCommittedRemoved Rule = "committed-removed"
	// RuleAckNotDurable: every ACK, ACKEPOCH and ACKNEWLEADER is covered
	// by its sender's durable state when it is sent: the log and epochs
	// it vouches for would survive a crash (ZOOKEEPER-3911,
	// ZOOKEEPER-4643).
	RuleAckNotDurable Rule = "ack-not-durable"
	// RuleDeliverNoQuorum: every delivery is of an entry a quorum of
	// peers holds durably at that moment.
	RuleDeliverNoQuorum Rule = "deliver-no-quorum"
)

// Violation is one broken rule, with enough context to find it in a
// trace.
type Violation struct {
	Rule   Rule
	Peer   zab.PeerID // the peer whose observation broke the rule; 0 if none
	Zxid   zab.Zxid   // the transaction involved; 0 if none
	Detail string
}

// Error renders v as "rule: peer N zxid eE:cC: detail".
func (v *Violation) Error() string {
	s := string(v.Rule) + ":"
	if v.Peer != 0 {
		s += fmt.Sprintf(" peer %d", v.Peer)
	}
	if v.Zxid != 0 {
		s += " zxid " + v.Zxid.String()
	}
	return s + ": " + v.Detail
}
