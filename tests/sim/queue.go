package sim

import (
	"container/heap"

	"zabkafka/zab"
)

// eventKind is what a scheduled event does.
type eventKind uint8

const (
	evDeliver eventKind = iota + 1 // hand msg to its receiver
	evTick                         // tick peer, if incarnation still matches
	evCall                         // run fn (scenarios, the fault schedule)
)

// event is one entry of the World's agenda.
type event struct {
	at          int64
	seq         uint64 // insertion order: ties at one time run first-in first-out
	kind        eventKind
	peer        zab.PeerID
	incarnation int
	msg         zab.Message
	note        string // for a delivery: why it is special ("late, sent at t=...")
	fn          func()
}

// agenda is a min-heap of events by (at, seq).
type agenda []*event

// Len, Less, Swap, Push and Pop implement heap.Interface; use push and
// pop instead.
func (a agenda) Len() int { return len(a) }

// Less orders by time, then by insertion.
func (a agenda) Less(i, j int) bool {
	if a[i].at != a[j].at {
		return a[i].at < a[j].at
	}
	return a[i].seq < a[j].seq
}

// Swap implements heap.Interface.
func (a agenda) Swap(i, j int) { a[i], a[j] = a[j], a[i] }

// Push implements heap.Interface.
func (a *agenda) Push(x any) { *a = append(*a, x.(*event)) }

// Pop implements heap.Interface.
func (a *agenda) Pop() any {
	old := *a
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*a = old[:len(old)-1]
	return e
}

func (a *agenda) push(e *event) { heap.Push(a, e) }
func (a *agenda) pop() *event   { return heap.Pop(a).(*event) }
func (a agenda) peekTime() int64 {
	return a[0].at
}
