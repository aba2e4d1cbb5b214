package node

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"zabkafka/log/kafka"
	"zabkafka/zab"
)

// appendPollOK writes exactly what json.Marshal makes of the pollOK
// struct, for keys that need escaping too, keys without messages left
// out, and an empty reply.
func TestAppendPollOKMatchesMarshal(t *testing.T) {
	seed := int64(7)
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	alphabet := []string{"a", "z", "0", "\"", "\\", "<", ">", "&", "\x00", "\x1f", "\x7f", "é", "\u2028", "\xff", " "}
	for round := 0; round < 200; round++ {
		logs := map[string][]kafka.Message{}
		for k := rng.Intn(6); k > 0; k-- {
			var key string
			for n := rng.Intn(4); n >= 0; n-- {
				key += alphabet[rng.Intn(len(alphabet))]
			}
			var msgs []kafka.Message
			for m := rng.Intn(4); m > 0; m-- {
				msgs = append(msgs, kafka.Message{Offset: rng.Int63n(1000) - 1, Msg: rng.Int63() - rng.Int63()})
			}
			logs[key] = msgs
		}
		keys := make([]string, 0, len(logs))
		want := pollOK{Type: typePollOK, Msgs: map[string][][2]int64{}, InReplyTo: rng.Int63()}
		for key, msgs := range logs {
			keys = append(keys, key)
			if len(msgs) == 0 {
				continue
			}
			pairs := make([][2]int64, len(msgs))
			for i, m := range msgs {
				pairs[i] = [2]int64{m.Offset, m.Msg}
			}
			want.Msgs[key] = pairs
		}
		slices.Sort(keys)
		got := appendPollOK(nil, keys, func(key string) []kafka.Message { return logs[key] }, want.InReplyTo)
		wantBytes, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantBytes) {
			t.Fatalf("round %d:\n got %s\nwant %s", round, got, wantBytes)
		}
	}
}

// BenchmarkPollReply: a final-phase poll, 5000 keys of 16 messages,
// encoded by hand and by json.Marshal.
func BenchmarkPollReply(b *testing.B) {
	logs := map[string][]kafka.Message{}
	keys := make([]string, 0, 5000)
	for k := 0; k < 5000; k++ {
		key := string(rune('a'+k%26)) + string(rune('0'+k%10)) + json.Number(rune(k)).String()
		key = key + string(rune('A'+(k/260)%26))
		var msgs []kafka.Message
		for m := int64(0); m < 16; m++ {
			msgs = append(msgs, kafka.Message{Offset: m, Msg: int64(k)*100 + m})
		}
		logs[key] = msgs
		keys = append(keys, key)
	}
	slices.Sort(keys)
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for i := 0; i < b.N; i++ {
			buf = appendPollOK(buf[:0], keys, func(key string) []kafka.Message { return logs[key] }, 1)
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("marshal", func(b *testing.B) {
		var n int
		for i := 0; i < b.N; i++ {
			msgs := map[string][][2]int64{}
			for _, key := range keys {
				pairs := make([][2]int64, len(logs[key]))
				for j, m := range logs[key] {
					pairs[j] = [2]int64{m.Offset, m.Msg}
				}
				msgs[key] = pairs
			}
			out, _ := json.Marshal(pollOK{Type: typePollOK, Msgs: msgs, InReplyTo: 1})
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
}

// A flush writes the lines to other nodes before those to clients,
// whatever order they were sent in, each line whole.
func TestLineWriterPeersFirst(t *testing.T) {
	var out bytes.Buffer
	w := newLineWriter(writerSink{&out})
	w.src = "n1"
	w.isPeer = func(dest string) bool { return dest == "n2" }
	w.send("c1", map[string]any{"type": "send_ok", "offset": 1, "in_reply_to": 1})
	w.send("n2", map[string]any{"type": "zab"})
	w.send("c2", map[string]any{"type": "poll_ok", "msgs": map[string]any{}, "in_reply_to": 2})
	if out.Len() != 0 {
		t.Fatal("written before the flush")
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	msgs := parseOutput(t, &out)
	var order []string
	for _, m := range msgs {
		order = append(order, m.Dest)
	}
	if fmt.Sprint(order) != "[n2 c1 c2]" {
		t.Fatalf("order %v, want the node's line first, then the clients' in order", order)
	}
}

// A cut of the log drops the held acknowledgements that report more than
// is left, and nothing else: other messages, lower acknowledgements and
// forwarded operations stay, and a parcel left empty is gone.
func TestOutboxDropsVouchersAboveACut(t *testing.T) {
	o := newOutbox(10, 1<<20)
	cut := zab.MakeZxid(1, 5)
	o.addMessage(zab.Message{Type: zab.MsgAckEpoch, To: 2, Zxid: zab.MakeZxid(1, 7)})
	o.addMessage(zab.Message{Type: zab.MsgAck, To: 2, Zxid: zab.MakeZxid(1, 6)})
	o.addMessage(zab.Message{Type: zab.MsgAckNewLeader, To: 2, Zxid: cut})
	o.addMessage(zab.Message{Type: zab.MsgVote, To: 2, Zxid: zab.MakeZxid(1, 9)})
	o.addMessage(zab.Message{Type: zab.MsgAck, To: 3, Zxid: zab.MakeZxid(1, 8)})
	o.dropVouchersAbove(cut)
	var got []string
	o.drain(func(to zab.PeerID, body zabBody) {
		for _, m := range body.Msgs {
			got = append(got, fmt.Sprintf("%d:%v:%v", to, m.Type, m.Zxid))
		}
	})
	want := []string{
		fmt.Sprintf("2:%v:%v", zab.MsgAckNewLeader, cut),
		fmt.Sprintf("2:%v:%v", zab.MsgVote, zab.MakeZxid(1, 9)),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after the cut the outbox sent %v, want %v", got, want)
	}
}

// appendPollOK appends the body of a poll_ok to buf in one go, as a
// pollJob does in steps: for each of keys, in the order given, the
// messages poll returns, keys with none left out.
func appendPollOK(buf []byte, keys []string, poll func(key string) []kafka.Message, inReplyTo int64) []byte {
	buf = beginPollOK(buf)
	wrote := false
	for _, key := range keys {
		if msgs := poll(key); len(msgs) > 0 {
			buf = appendPollKey(buf, wrote, key, msgs)
			wrote = true
		}
	}
	return endPollOK(buf, inReplyTo)
}
