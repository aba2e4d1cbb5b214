// Command g1a appends every send, but answers every fifth one with a
// definite error (11, temporarily-unavailable) as if it had been refused.
// When a poll later returns that message the checker reports G1a, an aborted
// read: a failed write became visible.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"zabkafka/tests/workbench/testdata/toys/toykit"
)

func main() {
	n := toykit.NewNode()
	sends := 0
	k := &toykit.Kafka{Log: toykit.NewLog()}
	k.OnSend = func(k *toykit.Kafka, key string, msg json.Number) toykit.Body {
		sends++
		o := k.Log.Append(key, msg)
		if sends%5 == 0 {
			return toykit.ErrorBody(11, "not now (but it was stored)")
		}
		return toykit.Body{"type": "send_ok", "offset": o}
	}
	k.Serve(n)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
