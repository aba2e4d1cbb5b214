// Command lossy acknowledges every send but silently drops every fourth one:
// the offset is handed out and never filled. Polls skip the hole, so the
// checker finds acknowledged messages nobody can read: lost-write (an offset
// past the hole was polled) and unseen.
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
		if sends%4 == 0 {
			return toykit.Body{"type": "send_ok", "offset": k.Log.Reserve(key)}
		}
		return toykit.Body{"type": "send_ok", "offset": k.Log.Append(key, msg)}
	}
	k.Serve(n)
	if err := n.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
