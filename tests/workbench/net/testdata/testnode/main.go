// Command testnode is a tiny Maelstrom node the net package's tests drive
// through its stdin. The first argument picks a mode:
//
//	normal      answer init with init_ok, then obey the commands below
//	silent      read stdin, never write anything
//	exit        exit with status 3 on init, after a line on stderr
//	init-error  answer init with an error body
//	chatty      print a log line on stdout before init_ok
//	init-once   answer the first init in this working directory; a later
//	            process (a restart) finds the file it left and exits 3
//
// Commands (request bodies from a client), each answered with
// {"type":"<type>_ok", "in_reply_to": msg_id} unless said otherwise:
//
//	echo   {"payload": X}              reply carries "payload": X
//	raw    {"lines": ["...", ...]}     print each string verbatim as a stdout line, no reply
//	send   {"dest": D, "body": B}      print {"src": self, "dest": D, "body": B}, no reply
//	stderr {"text": T}                 print T on stderr
//	crash  {"code": N}                 exit with status N
//	whoami {}                          reply carries "pid" and "cwd"
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

type message struct {
	Src  string          `json:"src"`
	Dest string          `json:"dest"`
	Body json.RawMessage `json:"body"`
}

type request struct {
	Type    string            `json:"type"`
	MsgID   int64             `json:"msg_id"`
	NodeID  string            `json:"node_id"`
	Payload json.RawMessage   `json:"payload"`
	Lines   []string          `json:"lines"`
	Dest    string            `json:"dest"`
	Body    json.RawMessage   `json:"body"`
	DelayMS int               `json:"delay_ms"`
	Text    string            `json:"text"`
	Code    int               `json:"code"`
	Extra   map[string]string `json:"extra"`
}

var (
	outMu sync.Mutex
	out   = bufio.NewWriter(os.Stdout)
	self  string
)

func emit(line []byte) {
	outMu.Lock()
	defer outMu.Unlock()
	out.Write(line)
	out.WriteByte('\n')
	out.Flush()
}

func reply(to string, body map[string]any) {
	b, _ := json.Marshal(map[string]any{"src": self, "dest": to, "body": body})
	emit(b)
}

func main() {
	mode := "normal"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	for {
		line, err := in.ReadBytes('\n')
		if err != nil {
			return
		}
		if mode == "silent" {
			continue
		}
		var m message
		var req request
		if json.Unmarshal(line, &m) != nil || json.Unmarshal(m.Body, &req) != nil {
			fmt.Fprintf(os.Stderr, "bad input: %q\n", line)
			continue
		}
		handle(mode, m, req)
	}
}

func handle(mode string, m message, req request) {
	switch req.Type {
	case "init":
		self = req.NodeID
		switch mode {
		case "exit":
			fmt.Fprintln(os.Stderr, "testnode: refusing to start")
			os.Exit(3)
		case "chatty":
			emit([]byte("starting up"))
		case "init-once":
			if _, err := os.Stat("init-once.started"); err == nil {
				fmt.Fprintln(os.Stderr, "testnode: started here before, refusing")
				os.Exit(3)
			}
			os.WriteFile("init-once.started", nil, 0o644)
		case "init-error":
			reply(m.Src, map[string]any{"type": "error", "code": 13, "text": "no init for you", "in_reply_to": req.MsgID})
			return
		}
		reply(m.Src, map[string]any{"type": "init_ok", "in_reply_to": req.MsgID})
	case "echo":
		reply(m.Src, map[string]any{"type": "echo_ok", "payload": req.Payload, "in_reply_to": req.MsgID})
	case "raw":
		for _, l := range req.Lines {
			emit([]byte(l))
		}
	case "send":
		b, _ := json.Marshal(map[string]any{"src": self, "dest": req.Dest, "body": req.Body})
		emit(b)
	case "stderr":
		fmt.Fprintln(os.Stderr, req.Text)
		reply(m.Src, map[string]any{"type": "stderr_ok", "in_reply_to": req.MsgID})
	case "whoami":
		wd, _ := os.Getwd()
		reply(m.Src, map[string]any{"type": "whoami_ok", "pid": os.Getpid(), "cwd": wd, "in_reply_to": req.MsgID})
	case "crash":
		fmt.Fprintln(os.Stderr, "testnode: crashing as asked")
		os.Exit(req.Code)
	}
}
