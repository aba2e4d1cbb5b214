package net

import (
	"math/rand/v2"
	"sync"
)

// Service ids (M:src/maelstrom/service.clj default-services).
const (
	ServiceLinKV  = "lin-kv"
	ServiceSeqKV  = "seq-kv"
	ServiceLWWKV  = "lww-kv"
	ServiceLinTSO = "lin-tso"
)

// ServiceIDs lists the built-in services every cluster registers.
var ServiceIDs = []string{ServiceLinKV, ServiceSeqKV, ServiceLWWKV, ServiceLinTSO}

// handler is one service's state machine. It is called from the service's
// single worker goroutine, one request at a time; an error means "no reply".
type handler interface {
	handle(src string, body *jvalue) ([]field, error)
}

// newHandler builds the state machine of a built-in service, seeding its
// randomness from the run's seed.
func newHandler(id string, seed int64) handler {
	switch id {
	case ServiceLinKV:
		return newLinKV()
	case ServiceSeqKV:
		return newSeqKV(seededRand(seed, "service", id))
	case ServiceLWWKV:
		return newLWWKV(seededRand(seed, "service", id))
	case ServiceLinTSO:
		return &linTSO{}
	}
	return nil
}

// startServices registers the built-in services and starts one worker per
// service (M:service.clj start-services!, service-thread).
func startServices(n *network, seed int64, logf func(string, ...any), wg *sync.WaitGroup) error {
	for _, id := range ServiceIDs {
		mb, err := n.join(id)
		if err != nil {
			return err
		}
		h := newHandler(id, seed)
		wg.Add(1)
		go func() {
			defer wg.Done()
			serve(n, id, mb, h, seededRand(seed, "latency", id), logf)
		}()
	}
	return nil
}

// serve is a service's worker loop. Services are never partitioned; the
// reply goes back to the request's src with in_reply_to set to the
// request's msg_id (null when it had none), and with the usual latency.
func serve(n *network, id string, mb *mailbox, h handler, rng *rand.Rand, logf func(string, ...any)) {
	t := newStoppedTimer()
	for {
		e, why := mb.take(nil, n.stop, nil)
		if why != takeOK {
			return
		}
		if !n.waitDeadline(e, t, nil) {
			return
		}
		n.counts.received(e)
		body, err := parseJValue(e.body)
		if err != nil {
			logf("service %s: error in service worker: unreadable request from %s: %v", id, e.src, err)
			continue
		}
		reply, err := h.handle(e.src, body)
		if err != nil {
			logf("service %s: error in service worker: %v (request from %s: %s); no reply is sent", id, err, e.src, truncate(e.body, 200))
			continue
		}
		out := buildReply(reply, body.get("msg_id"))
		if err := n.send(id, e.src, out, rng); err != nil {
			logf("service %s: error in service worker: %v", id, err)
		}
	}
}

// buildReply writes a reply body: the handler's fields in order, then
// in_reply_to.
func buildReply(fields []field, msgID *jvalue) []byte {
	b := []byte{'{'}
	for _, f := range fields {
		b = appendJSONString(b, f.key)
		b = append(b, ':')
		b = append(b, f.raw...)
		b = append(b, ',')
	}
	b = append(b, `"in_reply_to":`...)
	b = append(b, msgID.compact()...)
	return append(b, '}')
}
