package sim

import (
	"fmt"

	"zabkafka/zab"
)

// ReleaseWhere sends again the held messages that match, each with a
// fresh delay, in the order they were first sent, and keeps the others
// held. Unlike Release it leaves every hold in place: a matching message
// on a link still held by Network.HoldLink is parked again, and the
// Filter is asked about each released message as if it were new. It
// returns how many messages it released.
//
// Scripted scenarios use it to let one kind of message through while the
// rest stays parked (the recovery transcripts' "release" command).
func (w *World) ReleaseWhere(match func(m *zab.Message) bool) int {
	var keep, out []zab.Message
	for _, m := range w.Net.held {
		if match(&m) {
			out = append(out, m)
		} else {
			keep = append(keep, m)
		}
	}
	if len(out) == 0 {
		return 0
	}
	w.Net.held = keep
	w.Trace.Record(Event{Time: w.now, Kind: KindNetwork, Note: fmt.Sprintf("release %d held messages", len(out))})
	for _, m := range out {
		w.Net.Stats.Sent-- // counted once, when first sent
		w.send(m)
	}
	return len(out)
}
