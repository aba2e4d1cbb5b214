package node

import "zabkafka/zab"

// members is who this node is and who its peers are, as init named them.
// Peer ids are 1 + the index of the name in node_ids, the same on every
// node because every node gets the same list.
type members struct {
	id    string   // our node name; "" before init
	names []string // names[i] is the node with PeerID i+1
	ids   map[string]zab.PeerID
	self  zab.PeerID
}

// nameOf is the node name of a peer id, "" for none.
func (m *members) nameOf(id zab.PeerID) string {
	if id == 0 || int(id) > len(m.names) {
		return ""
	}
	return m.names[id-1]
}

// has reports whether id names another member a message can go to.
func (m *members) has(id zab.PeerID) bool {
	return id != 0 && id != m.self && int(id) <= len(m.names)
}
