package node

import (
	"bytes"
	"testing"
)

// FuzzInput feeds arbitrary lines to a node's input path (a member of a
// three-node cluster, so protocol messages from n2 are taken): it must
// never panic, and everything it writes must be a message Maelstrom
// accepts. The seed corpus runs in every `go test`.
func FuzzInput(f *testing.F) {
	for _, seed := range []string{
		`{"src":"c1","dest":"n1","body":{"type":"send","msg_id":1,"key":"a","msg":1}}`,
		`{"src":"c1","dest":"n1","body":{"type":"poll","msg_id":2,"offsets":{"a":0,"b":-5}}}`,
		`{"src":"c1","dest":"n1","body":{"type":"commit_offsets","msg_id":3,"offsets":{"a":0}}}`,
		`{"src":"c1","dest":"n1","body":{"type":"list_committed_offsets","msg_id":4,"keys":["a"]}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","m":[{"t":1,"f":2,"to":1,"v":{"f":2,"to":1,"v":{"l":2,"z":4294967297,"e":1},"r":1}}]}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","m":[{"t":8,"f":2,"to":1,"e":1,"x":[{"z":4294967297,"d":"AQ=="}],"c":4294967297}]}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","m":[{"t":5,"f":2,"to":1,"e":1,"m":3,"snap":{"z":9,"d":"AAAA"}}]}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","fw":"AQEBbjIBAQFhAg=="}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","fw":"!!"}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","fw":"AgECbjIBAQEAAQFhAg=="}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","fw":"AgECbjIBAQIAAQEBYQA="}}`,
		`{"src":"c1","dest":"n2","body":{"type":"send","msg_id":1,"key":"a","msg":1}}`,
		`{"src":"c1","body":{"type":"poll","msg_id":2,"offsets":{}}}`,
		`{"src":"c1","dest":"n1","body":{"type":"send","key":"a","msg":1}}`,
		`{"src":"c1","dest":"n1","body":{"type":"commit_offsets","msg_id":3,"offsets":{"a":-1,"b":9223372036854775807}}}`,
		`{"src":"n2","dest":"n1","body":{"type":"zab","m":"x"}}`,
		`{"src":"c1","dest":"n1","body":{"type":"zab","m":[]}}`,
		`{"src":"c0","dest":"n1","body":{"type":"init","msg_id":1,"node_id":"n1","node_ids":["n1"]}}`,
		`{"src":"c1","dest":"n1","body":{"type":"send","msg_id":1,"key":"a","msg":1e400}}`,
		"{\"src\":\"c1\",\"dest\":\"n1\",\"body\":{\"type\":\"send\",\"key\":\"\xff\",\"msg\":1}}",
		`{"src":"c1","dest":"n1","body":5}`,
		`{"src":"","dest":"","body":{}}`,
		`{}`, `[]`, `null`, `"x"`, ``, "\x00", `{"src":"c1","dest":"n1","body":{"type":"error","in_reply_to":1}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h := newSingle(t, testConfig())
		h.s.HandleLine(line("c0", "n1", map[string]any{"type": "init", "msg_id": 1, "node_id": "n1", "node_ids": []string{"n1", "n2", "n3"}}), h.now)
		for _, l := range bytes.Split(data, []byte("\n")) {
			h.s.HandleLine(l, h.now)
		}
		h.s.Process(h.now)
		for i := 0; i < 3; i++ {
			h.tick() // parses and checks every output line
		}
	})
}
