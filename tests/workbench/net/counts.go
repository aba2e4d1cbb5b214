package net

import "sync/atomic"

// Count is one slice of the network journal statistics
// (M:src/maelstrom/net/checker.clj basic-stats).
type Count struct {
	SendCount int64 // messages accepted by the network, including ones a partition later dropped
	RecvCount int64 // messages delivered (to nodes, clients and services)
	MsgCount  int64 // distinct message ids among those events
}

// NetCounts is the :net checker's result: all events, events with a client
// (an id starting with "c", init included) at either end, and the rest
// (node<->node and node<->service).
type NetCounts struct {
	All, Clients, Servers Count
}

// counters is the journal reduced to what the :net checker computes.
// Messages rejected at send time are never counted (they are not journaled).
type counters struct {
	clientSend, clientRecv atomic.Int64
	_                      [48]byte // keep the two halves on separate cache lines
	serverSend, serverRecv atomic.Int64
}

func (c *counters) sent(e *envelope) {
	if e.client {
		c.clientSend.Add(1)
	} else {
		c.serverSend.Add(1)
	}
}

func (c *counters) received(e *envelope) {
	if e.client {
		c.clientRecv.Add(1)
	} else {
		c.serverRecv.Add(1)
	}
}

// snapshot reads the counters. Every sent message has its own id and every
// delivered message was sent, so the distinct ids are the sends. Receives
// are read first so that a snapshot never shows more deliveries than sends.
func (c *counters) snapshot() NetCounts {
	cl := Count{RecvCount: c.clientRecv.Load()}
	sv := Count{RecvCount: c.serverRecv.Load()}
	cl.SendCount, sv.SendCount = c.clientSend.Load(), c.serverSend.Load()
	cl.MsgCount, sv.MsgCount = cl.SendCount, sv.SendCount
	all := Count{
		SendCount: cl.SendCount + sv.SendCount,
		RecvCount: cl.RecvCount + sv.RecvCount,
		MsgCount:  cl.MsgCount + sv.MsgCount,
	}
	return NetCounts{All: all, Clients: cl, Servers: sv}
}
